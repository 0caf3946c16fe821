using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Training.Images;

/// <summary>
/// Loads every PNG under a folder (subfolders included) into an <see cref="ImageTensorSet"/>, in ordinal order of
/// relative path so the same folder always gives the same order, with optional captions from a CSV.
/// </summary>
public static class ImageFolder
{
    public static ImageTensorSet Load(string directory, ImageFolderOptions? options = null) => Read(directory, options).Images;

    public static ImageFolderContents Read(string directory, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.Channels is not (1 or 3 or 4))
            throw LoomException.Argument($"image folder: channels must be 1, 3 or 4, found {options.Channels}");
        if (options.Size is < 1 or > 4096)
            throw LoomException.Argument($"image folder: size must be 1..4096, found {options.Size}");
        if (!Directory.Exists(directory))
            throw new LoomException(LoomErrorCode.FileNotFound, $"{directory}: image folder not found");

        var files = ListPngs(directory);
        if (files.Count == 0)
            throw LoomException.Argument($"{directory}: the image folder holds no .png files (subfolders included)");
        var captions = options.CaptionsCsv is null ? null : ImageCaptions.Load(options.CaptionsCsv, directory, options.CaptionColumn);

        var decoded = new float[files.Count][];
        var sizes = new (int Width, int Height)[files.Count];
        var errors = new LoomException?[files.Count];
        // Decoding is independent per file and lands in its own slot, so running it in parallel keeps the order.
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            try
            {
                var png = PngDecoder.Read(files[i]);
                sizes[i] = (png.Width, png.Height);
                decoded[i] = ImagePixels.FromPng(png, options.Channels, options.Size, options.Size, options.Background);
            }
            catch (LoomException e) { errors[i] = e; }
            catch (IOException e) { errors[i] = LoomException.Format(files[i], $"cannot read: {e.Message}"); }
            catch (UnauthorizedAccessException e) { errors[i] = LoomException.Format(files[i], $"cannot read: {e.Message}"); }
        });

        var skipped = new List<SkippedImage>();
        var kept = new List<int>();
        for (int i = 0; i < files.Count; i++)
        {
            if (errors[i] is { } error)
            {
                if (!options.SkipBadFiles) throw error;
                var skip = new SkippedImage(files[i], error.Message);
                skipped.Add(skip);
                options.OnSkipped?.Invoke(skip);
                continue;
            }
            if (options.Size is null && kept.Count > 0 && sizes[i] != sizes[kept[0]])
            {
                var (w0, h0) = sizes[kept[0]];
                throw LoomException.Argument($"{directory}: mixed sizes: {files[kept[0]]} is {w0}×{h0}, {files[i]} is {sizes[i].Width}×{sizes[i].Height}; give a size to resize them all");
            }
            kept.Add(i);
        }
        if (kept.Count == 0)
            throw LoomException.Argument($"{directory}: none of its {files.Count} PNG files could be read (all skipped; the first: {skipped[0].Reason})");

        int height = options.Size ?? sizes[kept[0]].Height, width = options.Size ?? sizes[kept[0]].Width;
        int imageSize = options.Channels * height * width;
        var pixels = new float[(long)kept.Count * imageSize];
        for (int k = 0; k < kept.Count; k++) decoded[kept[k]].CopyTo(pixels, (long)k * imageSize);
        var names = kept.Select(i => files[i]).ToArray();
        var texts = captions is null ? null : names.Select(n => captions.GetValueOrDefault(Path.GetFullPath(n))).ToArray();
        var images = new ImageTensorSet(pixels, kept.Count, options.Channels, height, width, texts, names);
        return new ImageFolderContents(images, skipped);
    }

    /// <summary>Every .png (any letter case) under <paramref name="directory"/>, sorted ordinally by relative path.</summary>
    public static List<string> ListPngs(string directory)
    {
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseInsensitive, IgnoreInaccessible = true };
        return Directory.EnumerateFiles(directory, "*.png", enumeration)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(directory, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .Select(f => f.Full)
            .ToList();
    }
}
