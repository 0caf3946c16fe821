using Loom.Formats.Png;

namespace Loom.Tests.Training.Images;

/// <summary>A temporary folder of PNGs (and CSVs) for loader tests, deleted on dispose.</summary>
public sealed class TempImageFolder : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"loom-images-{Guid.NewGuid():N}");

    public TempImageFolder() => Directory.CreateDirectory(Root);

    public string Path_(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes a width×height RGBA image whose every pixel is (r, g, b, a).</summary>
    public string Solid(string relative, int width, int height, byte r, byte g, byte b, byte a = 255)
    {
        var samples = new ushort[width * height * 4];
        for (int p = 0; p < width * height; p++) (samples[4 * p], samples[4 * p + 1], samples[4 * p + 2], samples[4 * p + 3]) = (r, g, b, a);
        return Write(relative, new PngImage(width, height, 4, 8, samples));
    }

    public string Write(string relative, PngImage image)
    {
        string path = Path_(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        PngEncoder.Write(path, image);
        return path;
    }

    public string Text(string relative, string content)
    {
        string path = Path_(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
