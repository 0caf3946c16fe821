using System.CommandLine;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Imaging;
using Loom.Training.Images;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>`loom interpolate`: images along the model's latent path between two images (VAE, flow), as one row of a grid.</summary>
public static class InterpolateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Image model directory (a VAE or flow)", Required = true };
        var from = new Option<string>("--from") { Description = "PNG at the start of the path", Required = true };
        var to = new Option<string>("--to") { Description = "PNG at the end of the path", Required = true };
        var steps = new Option<int>("--steps") { Description = "Images on the path, both ends included", DefaultValueFactory = _ => 8 };
        var outPath = new Option<string>("--out") { Description = "PNG to write: the images in one row", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("interpolate", "Walk the latent space between two images (VAE, flow)");
        foreach (var option in new Option[] { model, from, to, steps, outPath, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            string directory = parse.GetValue(model)!, output = parse.GetValue(outPath)!;
            int count = parse.GetValue(steps);
            if (count < 2) throw LoomException.Argument($"--steps: expected at least 2 (both ends), found {count}");
            string fromPath = ImageCliSupport.RequireFile(parse.GetValue(from)!, "--from");
            string toPath = ImageCliSupport.RequireFile(parse.GetValue(to)!, "--to");
            var loaded = ImageCliSupport.LoadModel(directory);
            if (loaded is not IImageInterpolator interpolator)
                throw LoomException.Argument($"interpolate: the {loaded.Family} model in {directory} cannot interpolate; use a VAE or flow model");
            int size = ImageCliSupport.SquareSize(loaded, directory);
            var path = interpolator.Interpolate(ImageFiles.LoadTensor(fromPath, size, loaded.Channels), ImageFiles.LoadTensor(toPath, size, loaded.Channels), count);
            ImageCliSupport.CreateParent(output);
            ImageGrid.Write(output, path, columns: count);
            if (parse.GetValue(json))
                Console.WriteLine(new JsonObject { ["model"] = directory, ["family"] = loaded.Family, ["out"] = output, ["images"] = path.Size(0) }.ToJsonString());
            else ProgressTraining.StandardOutput().MarkupLine($"{path.Size(0)} images from {Markup.Escape(fromPath)} to {Markup.Escape(toPath)} written to [bold]{Markup.Escape(output)}[/]");
            return Task.FromResult(0);
        });
        return command;
    }
}
