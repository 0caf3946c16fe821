using Loom.Core;
using Loom.Models.Imaging;
using Loom.Training.Images;

namespace Loom.Cli;

/// <summary>What the image verbs (train image, sample, inpaint, interpolate, eval images) share: checked paths, models, settings.</summary>
internal static class ImageCliSupport
{
    /// <summary>The image model in <paramref name="directory"/>, or an error naming --model and what is wrong.</summary>
    public static IImageModel LoadModel(string directory)
    {
        if (!Directory.Exists(directory)) throw LoomException.Argument($"--model: directory '{directory}' does not exist");
        return ImageFamilies.Load(directory);
    }

    public static string RequireFile(string path, string option)
    {
        if (!File.Exists(path)) throw LoomException.Argument($"{option}: file '{path}' does not exist");
        return path;
    }

    public static string RequireDirectory(string path, string option)
    {
        if (!Directory.Exists(path)) throw LoomException.Argument($"{option}: folder '{path}' does not exist");
        return path;
    }

    /// <summary>A folder of PNGs (and optional captions) resized to the model's square size and channel count.</summary>
    public static ImageFolderContents ReadImages(string folder, string folderOption, string? captions, string captionsOption,
        int size, int channels, string? captionColumn, bool skipBadFiles, Action<string>? status = null)
    {
        RequireDirectory(folder, folderOption);
        if (captions is not null) RequireFile(captions, captionsOption);
        return ImageFolder.Read(folder, new ImageFolderOptions
        {
            Size = size,
            Channels = channels,
            CaptionsCsv = captions,
            CaptionColumn = captionColumn,
            SkipBadFiles = skipBadFiles,
            OnSkipped = skipped => status?.Invoke($"skipped {skipped.Path}: {skipped.Reason}"),
        });
    }

    /// <summary>`--set key=value` items as a dictionary with case-insensitive keys; a later key replaces an earlier one.</summary>
    public static Dictionary<string, string> ParseSettings(IEnumerable<string>? items)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string item in items ?? [])
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw LoomException.Argument($"--set: expected key=value, found '{item}'");
            settings[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }
        return settings;
    }

    /// <summary>The square size a model's images have, for loading single images at it.</summary>
    public static int SquareSize(IImageModel model, string directory)
    {
        if (model.Height != model.Width)
            throw LoomException.Argument($"--model: {directory} makes {model.Width}×{model.Height} images; only square models are supported here");
        return model.Height;
    }

    /// <summary>Creates the folder an output file goes into, so `--out results/grid.png` works on a fresh checkout.</summary>
    public static void CreateParent(string file)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(file));
        if (parent is not null) Directory.CreateDirectory(parent);
    }
}
