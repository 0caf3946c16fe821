using System.CommandLine;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Imaging;
using Loom.Training.Images;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>`loom inpaint`: regenerates the masked part of an image with a model that can inpaint (diffusion).</summary>
public static class InpaintCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Image model directory (a diffusion model)", Required = true };
        var image = new Option<string>("--image") { Description = "PNG to complete (resized to the model's size)", Required = true };
        var mask = new Option<string>("--mask") { Description = "Mask PNG: white (opaque) where pixels are regenerated, black or transparent where kept", Required = true };
        var outPath = new Option<string>("--out") { Description = "PNG to write", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var sampling = new ImageSamplingCliOptions();
        var command = new Command("inpaint", "Fill the masked part of an image with a diffusion model");
        foreach (var option in new Option[] { model, image, mask, outPath, threads, json }) command.Options.Add(option);
        sampling.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            string directory = parse.GetValue(model)!, output = parse.GetValue(outPath)!;
            string imagePath = ImageCliSupport.RequireFile(parse.GetValue(image)!, "--image");
            string maskPath = ImageCliSupport.RequireFile(parse.GetValue(mask)!, "--mask");
            var loaded = ImageCliSupport.LoadModel(directory);
            if (loaded is not IImageInpainter inpainter)
                throw LoomException.Argument($"inpaint: the {loaded.Family} model in {directory} cannot inpaint; inpainting needs a diffusion model");
            var request = sampling.Request(parse, loaded, directory, 1);
            int size = ImageCliSupport.SquareSize(loaded, directory);
            var picture = ImageFiles.LoadTensor(imagePath, size, loaded.Channels);
            var holes = ImageFiles.LoadMask(maskPath, size);
            var result = inpainter.Inpaint(picture, holes, request, new LoomRandom(parse.GetValue(sampling.Seed)), cancellation);
            ImageCliSupport.CreateParent(output);
            ImageFiles.SaveTensor(output, result);
            if (parse.GetValue(json))
                Console.WriteLine(new JsonObject { ["model"] = directory, ["family"] = loaded.Family, ["out"] = output, ["prompt"] = request.Prompt }.ToJsonString());
            else ProgressTraining.StandardOutput().MarkupLine($"inpainted image written to [bold]{Markup.Escape(output)}[/]");
            return Task.FromResult(0);
        });
        return command;
    }
}
