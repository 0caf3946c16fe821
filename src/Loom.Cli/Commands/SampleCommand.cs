using System.CommandLine;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Training.Images;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>`loom sample`: draws images from a trained image model and writes them as one grid PNG.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Image model directory written by `loom train image`", Required = true };
        var count = new Option<int>("--n") { Description = "Images to draw", DefaultValueFactory = _ => 64 };
        var columns = new Option<int?>("--columns") { Description = "Images per grid row (default: a square grid)" };
        var outPath = new Option<string>("--out") { Description = "Grid PNG to write", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var sampling = new ImageSamplingCliOptions();
        var command = new Command("sample", "Draw images from a trained image model into a grid PNG");
        foreach (var option in new Option[] { model, count, columns, outPath, threads, json }) command.Options.Add(option);
        sampling.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            string directory = parse.GetValue(model)!, output = parse.GetValue(outPath)!;
            var loaded = ImageCliSupport.LoadModel(directory);
            var request = sampling.Request(parse, loaded, directory, parse.GetValue(count));
            if (parse.GetValue(columns) is < 1) throw LoomException.Argument($"--columns: expected at least 1, found {parse.GetValue(columns)}");
            var images = loaded.Sample(request, new LoomRandom(parse.GetValue(sampling.Seed)), cancellation);
            ImageCliSupport.CreateParent(output);
            ImageGrid.Write(output, images, parse.GetValue(columns));
            var result = new JsonObject
            {
                ["model"] = directory,
                ["family"] = loaded.Family,
                ["out"] = output,
                ["images"] = images.Size(0),
                ["width"] = loaded.Width,
                ["height"] = loaded.Height,
                ["channels"] = loaded.Channels,
                ["prompt"] = request.Prompt,
                ["guidance"] = request.Guidance,
                ["seed"] = parse.GetValue(sampling.Seed),
            };
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else ProgressTraining.StandardOutput().MarkupLine(
                $"{images.Size(0)} images from the {Markup.Escape(loaded.Family)} model written to [bold]{Markup.Escape(output)}[/]");
            return Task.FromResult(0);
        });
        return command;
    }
}
