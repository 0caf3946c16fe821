using System.IO.Compression;

namespace Loom.Formats.Png;

/// <summary>How <see cref="PngEncoder"/> stores an image. The defaults store it as it is: the plain colour type of its
/// channel count at its sample depth, adaptive filters, optimal compression.</summary>
public sealed record PngEncodeOptions
{
    /// <summary>Null: the plain type of the image's channel count. <see cref="PngColorType.Palette"/> needs 8-bit
    /// samples and at most 256 distinct colours (alpha goes to tRNS).</summary>
    public PngColorType? ColorType { get; init; }

    /// <summary>Null: the image's sample depth (palette: the smallest index depth that fits). 16 widens 8-bit samples
    /// exactly (×257); 1, 2 or 4 for gray needs 8-bit samples that are exact multiples of 255 / (2^d − 1).</summary>
    public int? BitDepth { get; init; }

    /// <summary>Null: per row, the filter whose output has the smallest sum of absolute signed bytes (the usual
    /// heuristic; palette and sub-byte images use None as the specification recommends). A value 0..4 forces that
    /// filter on every row.</summary>
    public byte? Filter { get; init; }

    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;

    public static PngEncodeOptions Default { get; } = new();
}
