using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Evaluation.Images;
using Loom.Kernels;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// `loom eval images`: how close a trained image model's samples are to a folder of real images — Fréchet distance
/// and precision/recall in the loom-image-features-v1 space, and bits/dim when the model has a likelihood.
/// </summary>
public static class EvalImagesCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Image model directory written by `loom train image`", Required = true };
        var data = new Option<string>("--data") { Description = "Folder of real PNGs to compare with (e.g. a validation split)", Required = true };
        var captions = new Option<string>("--captions") { Description = "Captions CSV of the folder (read only to check it; samples use --prompt)" };
        var count = new Option<int?>("--n") { Description = "Images to generate (default: as many as the folder has)" };
        var batch = new Option<int>("--batch") { Description = "Images per model call", DefaultValueFactory = _ => 64 };
        var k = new Option<int>("--k") { Description = "Neighbours for the precision/recall manifolds", DefaultValueFactory = _ => PrecisionRecall.DefaultK };
        var noBpd = new Option<bool>("--no-bits-per-dim") { Description = "Skip the likelihood even when the model has one" };
        var skipBad = new Option<bool>("--skip-bad-files") { Description = "Skip unreadable PNGs instead of stopping at the first" };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var sampling = new ImageSamplingCliOptions();
        var command = new Command("images", "Fréchet distance, precision/recall and bits/dim of an image model against real images");
        foreach (var option in new Option[] { model, data, captions, count, batch, k, noBpd, skipBad, threads, json }) command.Options.Add(option);
        sampling.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            string directory = parse.GetValue(model)!, folder = parse.GetValue(data)!;
            var loaded = ImageCliSupport.LoadModel(directory);
            int size = ImageCliSupport.SquareSize(loaded, directory);
            var real = ImageCliSupport.ReadImages(folder, "--data", parse.GetValue(captions), "--captions", size, loaded.Channels, null, parse.GetValue(skipBad)).Images;
            var options = new ImageEvaluationOptions
            {
                GeneratedCount = parse.GetValue(count),
                Seed = parse.GetValue(sampling.Seed),
                BatchSize = parse.GetValue(batch),
                K = parse.GetValue(k),
                Sampling = sampling.Request(parse, loaded, directory, 1),
                BitsPerDim = !parse.GetValue(noBpd),
            };
            var result = ImageEvaluation.Run(loaded, real, options, cancellation);
            var output = ToJson(result, directory, loaded.Family, folder, options);
            if (parse.GetValue(json)) Console.WriteLine(output.ToJsonString());
            else Print(ProgressTraining.StandardOutput(), result, folder);
            return Task.FromResult(0);
        });
        return command;
    }

    public static JsonObject ToJson(ImageEvaluationResult r, string model, string family, string data, ImageEvaluationOptions options) => new()
    {
        ["model"] = model,
        ["family"] = family,
        ["data"] = data,
        ["featuresVersion"] = r.FeaturesVersion,
        ["real"] = r.RealCount,
        ["generated"] = r.GeneratedCount,
        ["frechetDistance"] = r.FrechetDistance,
        ["precision"] = r.Precision,
        ["recall"] = r.Recall,
        ["k"] = r.K,
        ["bitsPerDim"] = r.BitsPerDim?.Mean,
        ["bitsPerDimKind"] = r.BitsPerDim?.Kind,
        ["prompt"] = options.Sampling.Prompt,
        ["guidance"] = options.Sampling.Guidance,
        ["seed"] = options.Seed,
    };

    private static void Print(IAnsiConsole console, ImageEvaluationResult r, string folder)
    {
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.GeneratedCount} samples vs {r.RealCount} images in {Markup.Escape(folder)} ({r.FeaturesVersion}):"));
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"  Fréchet distance [bold]{r.FrechetDistance:F4}[/], precision [bold]{r.Precision:F3}[/], recall [bold]{r.Recall:F3}[/] (k = {r.K})"));
        if (r.BitsPerDim is { } b)
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  bits/dim [bold]{b.Mean:F4}[/] ({b.Kind})"));
    }
}
