namespace Loom.Training.Images;

/// <summary>How <see cref="ImageFolder"/> reads a folder of PNGs.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Resize every image to Size × Size (area average when shrinking, bilinear when enlarging, in
    /// premultiplied alpha). Null: keep sizes, and then every image must have the same size.</summary>
    public int? Size { get; init; }

    /// <summary>1 gray, 3 RGB (alpha composited over <see cref="Background"/>), 4 RGBA.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>What transparent pixels become when alpha is dropped (Channels 1 or 3).</summary>
    public ImageBackground Background { get; init; } = ImageBackground.White;

    /// <summary>A CSV with a header, a 'file' column and a caption column (see <see cref="ImageCaptions"/>).</summary>
    public string? CaptionsCsv { get; init; }

    /// <summary>The caption column's name; null: 'caption' if present, else 'name'.</summary>
    public string? CaptionColumn { get; init; }

    /// <summary>False: the first unreadable PNG is an error naming it. True: skip it, list it in
    /// <see cref="ImageFolderContents.Skipped"/> and tell <see cref="OnSkipped"/>.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>Called once per skipped file (with SkipBadFiles), in file order.</summary>
    public Action<SkippedImage>? OnSkipped { get; init; }
}

/// <summary>A file the loader skipped and why (the decoder's message).</summary>
public sealed record SkippedImage(string Path, string Reason);

/// <summary>What <see cref="ImageFolder.Read"/> found: the images and the files it skipped.</summary>
public sealed record ImageFolderContents(ImageTensorSet Images, IReadOnlyList<SkippedImage> Skipped);
