namespace Loom.Formats.Png;

/// <summary>The colour types of the PNG specification (IHDR byte 9); the numbers are the file's values.</summary>
public enum PngColorType : byte
{
    Gray = 0,
    Rgb = 2,
    Palette = 3,
    GrayAlpha = 4,
    Rgba = 6,
}

/// <summary>Which bit depths each colour type allows, and how many samples a pixel of it has in the file.</summary>
public static class PngColorTypes
{
    /// <summary>Samples per pixel as stored in the file (a palette pixel is one index).</summary>
    public static int SamplesPerPixel(PngColorType type) => type switch
    {
        PngColorType.Gray => 1,
        PngColorType.Rgb => 3,
        PngColorType.Palette => 1,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgba => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a PNG colour type"),
    };

    /// <summary>Whether the specification allows <paramref name="bitDepth"/> for <paramref name="type"/>.</summary>
    public static bool IsLegal(PngColorType type, int bitDepth) => type switch
    {
        PngColorType.Gray => bitDepth is 1 or 2 or 4 or 8 or 16,
        PngColorType.Palette => bitDepth is 1 or 2 or 4 or 8,
        PngColorType.Rgb or PngColorType.GrayAlpha or PngColorType.Rgba => bitDepth is 8 or 16,
        _ => false,
    };

    /// <summary>The legal depths, for error messages.</summary>
    public static string LegalDepths(PngColorType type) => type switch
    {
        PngColorType.Gray => "1, 2, 4, 8 or 16",
        PngColorType.Palette => "1, 2, 4 or 8",
        _ => "8 or 16",
    };
}
