using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Imaging;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// `loom train image`: trains an image family (vae, gan, diffusion, flow) on a folder of PNGs, optionally with
/// captions, into an output directory holding the checkpoint, metrics.jsonl and the model. The family does the
/// training; this verb reads the images at the model's size, builds the request and shows progress.
/// </summary>
public static class TrainImageCommand
{
    public static Command Create()
    {
        var family = new Option<string>("--family") { Description = $"Image family: {string.Join(", ", ImageFamilies.All.Select(f => f.Name))}", Required = true };
        var images = new Option<string>("--images") { Description = "Folder of training PNGs", Required = true };
        var captions = new Option<string>("--captions") { Description = "CSV with a 'file' column and a caption column (for caption-conditioned diffusion)" };
        var captionColumn = new Option<string>("--caption-column") { Description = "The captions CSV's caption column (default: 'caption', else 'name')" };
        var valImages = new Option<string>("--val-images") { Description = "Folder of validation PNGs (default: none)" };
        var valCaptions = new Option<string>("--val-captions") { Description = "Captions CSV of the validation folder" };
        var size = new Option<int>("--size") { Description = "Side of the square the images are resized to", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--channels") { Description = "3: RGB (alpha composited over white); 4: RGBA", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out") { Description = "Output directory: checkpoint, metrics.jsonl and the trained model", Required = true };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes (a checkpoint is saved)" };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps (default 1000, or as many as --minutes allows)" };
        var batch = new Option<int?>("--batch") { Description = "Images per micro-batch (default: the family's)" };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate (default 1e-3)" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed for initialization, batches and flips (default 1337)" };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/checkpoint" };
        var skipBad = new Option<bool>("--skip-bad-files") { Description = "Skip unreadable PNGs (listed) instead of stopping at the first" };
        var noFlip = new Option<bool>("--no-flip") { Description = "Do not mirror training images at random" };
        var set = new Option<string[]>("--set") { Description = "Family setting key=value (repeatable; each family documents its keys)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results" };
        var command = new Command("image", "Train an image model (VAE, GAN, diffusion, flow) on a folder of PNGs");
        foreach (var option in new Option[] { family, images, captions, captionColumn, valImages, valCaptions, size, channels, outDir, minutes, steps,
                     batch, lr, seed, threads, resume, skipBad, noFlip, set, json })
            command.Options.Add(option);

        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            // Cheap checks first, so a typo fails before the images are read.
            var chosen = ImageFamilies.Get(parse.GetValue(family)!);
            int side = parse.GetValue(size), channelCount = parse.GetValue(channels);
            if (side is < 4 or > 1024) throw LoomException.Argument($"--size: expected 4..1024 pixels, found {side}");
            if (channelCount is not (3 or 4)) throw LoomException.Argument($"--channels: expected 3 or 4, found {channelCount}");
            if (parse.GetValue(batch) is < 1) throw LoomException.Argument($"--batch: expected at least 1, found {parse.GetValue(batch)}");
            if (parse.GetValue(valCaptions) is not null && parse.GetValue(valImages) is null)
                throw LoomException.Argument("--val-captions: needs --val-images");
            var settings = ImageCliSupport.ParseSettings(parse.GetValue(set));
            string output = parse.GetValue(outDir)!;
            bool resuming = parse.GetValue(resume) && Checkpoint.Exists(Path.Combine(output, Checkpoint.DirectoryName));
            if (!parse.GetValue(resume) && Checkpoint.Exists(Path.Combine(output, Checkpoint.DirectoryName)))
                throw LoomException.Argument($"train image: {output} already holds a checkpoint; add --resume to continue it, or choose another --out");

            bool asJson = parse.GetValue(json);
            var console = asJson ? null : ProgressTraining.StandardOutput();
            void Status(string message) => console?.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
            bool skip = parse.GetValue(skipBad);
            var train = ImageCliSupport.ReadImages(parse.GetValue(images)!, "--images", parse.GetValue(captions), "--captions",
                side, channelCount, parse.GetValue(captionColumn), skip, Status);
            var validation = parse.GetValue(valImages) is { } valFolder
                ? ImageCliSupport.ReadImages(valFolder, "--val-images", parse.GetValue(valCaptions), "--val-captions",
                    side, channelCount, parse.GetValue(captionColumn), skip, Status)
                : null;
            Status($"{train.Images.Count} training images{(validation is null ? "" : $", {validation.Images.Count} validation images")} at {side}×{side}×{channelCount}");

            var defaults = new TrainerOptions();
            long? stepCount = parse.GetValue(steps);
            double? limit = parse.GetValue(minutes);
            if (stepCount is null && limit is null) stepCount = defaults.Steps;
            if (stepCount is < 1) throw LoomException.Argument($"--steps: expected at least 1, found {stepCount}");
            if (limit is <= 0) throw LoomException.Argument($"--minutes: expected a positive number, found {limit}");
            var options = defaults with
            {
                Steps = stepCount,
                MaxMinutes = limit,
                LearningRate = parse.GetValue(lr) ?? defaults.LearningRate,
                WarmupSteps = Math.Min(defaults.WarmupSteps, stepCount ?? long.MaxValue),
                Seed = parse.GetValue(seed) ?? defaults.Seed,
                OutDir = output,
                Resume = resuming,
            };
            var request = new ImageTrainingRequest
            {
                Train = train.Images,
                Validation = validation?.Images,
                Trainer = options,
                BatchSize = parse.GetValue(batch),
                Flip = !parse.GetValue(noFlip),
                Settings = settings,
            };

            using var interrupt = new TrainCommand.InterruptSource(cancellation);
            var result = ProgressTraining.Run(console, $"train image ({chosen.Name})", progress => chosen.Train(request, progress, Status, interrupt.Token));
            int skipped = train.Skipped.Count + (validation?.Skipped.Count ?? 0);
            if (asJson) Console.WriteLine(ToJson(chosen.Name, result, train.Images.Count, skipped).ToJsonString());
            else Print(console!, chosen.Name, result, skipped);
            return Task.FromResult(result.Summary.Stopped == StopReason.Cancelled ? 130 : 0);
        });
        return command;
    }

    public static JsonObject ToJson(string family, ImageTrainingResult result, int images, int skipped)
    {
        var s = result.Summary;
        var json = new JsonObject
        {
            ["model"] = result.ModelDirectory,
            ["family"] = family,
            ["images"] = images,
            ["skippedFiles"] = skipped,
            ["steps"] = s.Steps,
            ["plannedSteps"] = s.PlannedSteps,
            ["stopped"] = s.Stopped.ToString().ToLowerInvariant(),
            ["resumedFromStep"] = s.ResumedFromStep,
            ["trainLoss"] = float.IsNaN(s.FinalLoss) ? null : s.FinalLoss,
            ["imagesPerSecond"] = Math.Round(s.ItemsPerSecond, 1),
            ["seconds"] = Math.Round(s.Elapsed.TotalSeconds, 1),
        };
        if (s.Validation is { } v)
        {
            json["valLoss"] = v.Loss;
            foreach (var (key, value) in v.Extra ?? new Dictionary<string, double>()) json[key] = value;
        }
        return json;
    }

    private static void Print(IAnsiConsole console, string family, ImageTrainingResult result, int skipped)
    {
        var s = result.Summary;
        string how = s.Stopped switch
        {
            StopReason.Cancelled => "[yellow]interrupted[/]: checkpoint saved, continue with --resume",
            StopReason.TimeLimit => "time limit reached",
            _ => "done",
        };
        console.MarkupLine($"{how}: {s.Steps} steps in {ProgressTraining.Duration(s.Elapsed)}, {ProgressTraining.Rate(s.ItemsPerSecond)} images/s" +
            (float.IsNaN(s.FinalLoss) ? "" : string.Create(CultureInfo.InvariantCulture, $", loss {s.FinalLoss:F4}")));
        if (s.Validation is { } v) console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"validation loss [bold]{v.Loss:F4}[/]"));
        if (skipped > 0) console.MarkupLine($"[yellow]{skipped} unreadable file(s) skipped[/]");
        string dir = Markup.Escape(result.ModelDirectory);
        console.MarkupLine($"{family} model saved to [bold]{dir}[/] (try: loom sample --model {dir} --out grid.png)");
    }
}
