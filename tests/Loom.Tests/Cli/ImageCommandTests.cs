using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Formats.Png;
using Loom.Tensors;
using Loom.Tests.Training.Trainer;
using Loom.Training.Images;

namespace Loom.Tests.Cli;

/// <summary>A folder of tiny PNGs (coloured squares on white, with captions) and one VAE trained on them through the CLI.</summary>
public sealed class ImageCliFixture : IDisposable
{
    public const int Size = 16, Count = 12;

    public ImageCliFixture()
    {
        Directory.CreateDirectory(Images);
        Directory.CreateDirectory(Dir.Combine("empty"));
        var rng = new LoomRandom(7);
        var captions = new List<string> { "file,caption" };
        string[] colours = ["red", "green", "blue"];
        for (int i = 0; i < Count; i++)
        {
            int colour = i % 3, x0 = rng.NextInt(Size - 6), y0 = rng.NextInt(Size - 6);
            var pixels = new float[3 * Size * Size];
            Array.Fill(pixels, 1f);
            for (int c = 0; c < 3; c++)
                for (int y = y0; y < y0 + 6; y++)
                    for (int x = x0; x < x0 + 6; x++) pixels[(c * Size + y) * Size + x] = c == colour ? 0.8f : -0.8f;
            string name = $"square{i:D2}.png";
            ImageFiles.SaveTensor(Path.Combine(Images, name), Tensor.FromArray(pixels, 3, Size, Size));
            captions.Add($"{name},{colours[colour]} square");
        }
        File.WriteAllLines(Captions, captions);
        var (code, output, error) = LoomCli.Run(TrainArgs(Model, "--steps", "3", "--json"));
        if (code != 0) throw new InvalidOperationException($"training the fixture's VAE failed ({code}): {error}");
        Trained = JsonNode.Parse(output)!.AsObject();
    }

    internal TempDirectory Dir { get; } = new();
    public string Images => Dir.Combine("images");
    public string Captions => Dir.Combine("captions.csv");
    public string Model => Dir.Combine("vae");
    public string Empty => Dir.Combine("empty");
    public JsonObject Trained { get; }

    public string Image(int i) => Path.Combine(Images, $"square{i:D2}.png");

    public string[] TrainArgs(string outDir, params string[] extra) =>
        ["train", "image", "--family", "vae", "--images", Images, "--size", $"{Size}", "--out", outDir, "--batch", "4",
         "--set", "latent=4", "--set", "channels=4", "--threads", "1", .. extra];

    public void Dispose() => Dir.Dispose();
}

[Collection(ConsoleCollection.Name)]
public class ImageCommandTests(ImageCliFixture f) : IClassFixture<ImageCliFixture>
{
    private static int GridSide(int images) => images * ImageCliFixture.Size + (images + 1) * ImageGrid.DefaultPadding;

    [Fact]
    public void Train_image_reports_the_run_and_writes_a_model_directory()
    {
        Assert.Equal("vae", (string)f.Trained["family"]!);
        Assert.Equal(3, (long)f.Trained["steps"]!);
        Assert.Equal(ImageCliFixture.Count, (int)f.Trained["images"]!);
        Assert.Equal(0, (int)f.Trained["skippedFiles"]!);
        Assert.True(File.Exists(Path.Combine((string)f.Trained["model"]!, "loom.json")));
    }

    [Fact]
    public void Sample_writes_a_grid_png_of_the_right_size_and_repeats_for_a_seed()
    {
        string grid = f.Dir.Combine("out", "grid.png"), again = f.Dir.Combine("again.png"), other = f.Dir.Combine("other.png");
        var (code, output, error) = LoomCli.Run("sample", "--model", f.Model, "--n", "4", "--seed", "5", "--out", grid, "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(4, (int)json["images"]!);
        var png = PngDecoder.Read(grid);
        Assert.Equal((GridSide(2), GridSide(2), 3), (png.Width, png.Height, png.Channels));

        Assert.Equal(0, LoomCli.Run("sample", "--model", f.Model, "--n", "4", "--seed", "5", "--out", again).Code);
        Assert.Equal(0, LoomCli.Run("sample", "--model", f.Model, "--n", "4", "--seed", "6", "--out", other).Code);
        Assert.Equal(File.ReadAllBytes(grid), File.ReadAllBytes(again));
        Assert.NotEqual(File.ReadAllBytes(grid), File.ReadAllBytes(other));
    }

    [Fact]
    public void Eval_images_prints_distance_precision_recall_and_bits_per_dim()
    {
        var (code, output, error) = LoomCli.Run("eval", "images", "--model", f.Model, "--data", f.Images, "--n", "8", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("loom-image-features-v1", (string)json["featuresVersion"]!);
        Assert.Equal((ImageCliFixture.Count, 8), ((int)json["real"]!, (int)json["generated"]!));
        Assert.True((double)json["frechetDistance"]! > 0);
        Assert.InRange((double)json["precision"]!, 0, 1);
        Assert.InRange((double)json["recall"]!, 0, 1);
        Assert.InRange((double)json["bitsPerDim"]!, 0.1, 16);
        Assert.Equal("bound", (string)json["bitsPerDimKind"]!);

        var (humanCode, human, _) = LoomCli.Run("eval", "images", "--model", f.Model, "--data", f.Images, "--n", "8");
        Assert.Equal(0, humanCode);
        Assert.Contains("Fréchet distance", human);
        Assert.Contains("bits/dim", human);
    }

    [Fact]
    public void Interpolate_writes_one_row_of_images()
    {
        string row = f.Dir.Combine("path.png");
        var (code, _, error) = LoomCli.Run("interpolate", "--model", f.Model, "--from", f.Image(0), "--to", f.Image(1), "--steps", "3", "--out", row);
        Assert.True(code == 0, error);
        var png = PngDecoder.Read(row);
        Assert.Equal((GridSide(3), GridSide(1)), (png.Width, png.Height));
    }

    [Fact]
    public void Bad_input_fails_with_one_line_naming_the_option_or_file()
    {
        string run = f.Dir.Combine("bad-run");
        var (code, line) = LoomCli.Fail(f.TrainArgs(run, "--steps", "1").Select(a => a == f.Images ? f.Empty : a).ToArray());
        Assert.NotEqual(0, code);
        Assert.Contains("empty", line);

        (code, line) = LoomCli.Fail(f.TrainArgs(run, "--steps", "1", "--captions", f.Dir.Combine("missing.csv")));
        Assert.NotEqual(0, code);
        Assert.Contains("--captions", line);
        Assert.Contains("missing.csv", line);

        (code, line) = LoomCli.Fail(f.TrainArgs(run, "--steps", "1").Select(a => a == "vae" ? "nope" : a).ToArray());
        Assert.NotEqual(0, code);
        Assert.Contains("unknown image family 'nope'", line);

        (code, line) = LoomCli.Fail(f.TrainArgs(run, "--steps", "1", "--set", "latent"));
        Assert.Contains("--set", line);

        (code, line) = LoomCli.Fail("sample", "--model", f.Model, "--prompt", "red square", "--out", f.Dir.Combine("p.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("--prompt", line);
        Assert.Contains("not caption-conditioned", line);

        (code, line) = LoomCli.Fail("inpaint", "--model", f.Model, "--image", f.Image(0), "--mask", f.Image(1), "--out", f.Dir.Combine("i.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("cannot inpaint", line);

        (code, line) = LoomCli.Fail("sample", "--model", f.Dir.Combine("no-model"), "--out", f.Dir.Combine("p.png"));
        Assert.Contains("--model", line);
        Assert.Contains("no-model", line);

        (code, line) = LoomCli.Fail("interpolate", "--model", f.Model, "--from", f.Dir.Combine("absent.png"), "--to", f.Image(1), "--out", f.Dir.Combine("x.png"));
        Assert.Contains("--from", line);
        Assert.Contains("absent.png", line);
        Assert.False(Directory.Exists(run), "a failed run should not leave an output directory");
    }

    [Fact]
    public void Gan_and_flow_train_sample_and_report_their_abilities()
    {
        string gan = f.Dir.Combine("gan"), flow = f.Dir.Combine("flow");
        string[] Args(string family, string outDir, params string[] settings) =>
            f.TrainArgs(outDir, ["--steps", "2", "--json"]).Select(a => a == "vae" ? family : a)
                .Where(a => a is not ("--set" or "latent=4" or "channels=4")).Concat(settings).ToArray();
        var (code, _, error) = LoomCli.Run(Args("gan", gan, "--set", "latent=4", "--set", "channels=4"));
        Assert.True(code == 0, error);
        (code, _, error) = LoomCli.Run(Args("flow", flow, "--set", "levels=2", "--set", "stepsPerLevel=1", "--set", "hidden=4"));
        Assert.True(code == 0, error);

        // The GAN samples but has no latent path from images: interpolate says so.
        string grid = f.Dir.Combine("gan.png");
        Assert.Equal(0, LoomCli.Run("sample", "--model", gan, "--n", "3", "--out", grid).Code);
        Assert.Equal((GridSide(2), GridSide(2)), (PngDecoder.Read(grid).Width, PngDecoder.Read(grid).Height));
        var (failed, line) = LoomCli.Fail("interpolate", "--model", gan, "--from", f.Image(0), "--to", f.Image(1), "--out", f.Dir.Combine("g.png"));
        Assert.NotEqual(0, failed);
        Assert.Contains("gan model", line);
        Assert.Contains("cannot interpolate", line);

        // The flow's likelihood is exact.
        string output;
        (code, output, error) = LoomCli.Run("eval", "images", "--model", flow, "--data", f.Images, "--n", "6", "--json");
        Assert.True(code == 0, error);
        Assert.Equal("exact", (string)JsonNode.Parse(output)!["bitsPerDimKind"]!);
    }

    [Fact]
    public void Diffusion_samples_from_a_prompt_inpaints_and_evaluates_with_guidance()
    {
        string model = f.Dir.Combine("diffusion");
        string[] train = [.. f.TrainArgs(model, "--steps", "2", "--captions", f.Captions, "--json").Select(a => a == "vae" ? "diffusion" : a)
            .Where(a => a is not ("--set" or "latent=4" or "channels=4")),
            "--set", "channels=8", "--set", "mults=1,2", "--set", "attention=none", "--set", "groups=4", "--set", "headChannels=8",
            "--set", "wordDim=8", "--set", "steps=3"];
        var (code, _, error) = LoomCli.Run(train);
        Assert.True(code == 0, error);

        string grid = f.Dir.Combine("prompted.png");
        string output;
        (code, output, error) = LoomCli.Run("sample", "--model", model, "--prompt", "red square", "--guidance", "3", "--steps", "2",
            "--sampler", "ddpm", "--n", "2", "--out", grid, "--json");
        Assert.True(code == 0, error);
        Assert.Equal("red square", (string)JsonNode.Parse(output)!["prompt"]!);
        Assert.Equal((GridSide(2), GridSide(1)), (PngDecoder.Read(grid).Width, PngDecoder.Read(grid).Height));

        // A mask that regenerates the left half.
        string mask = f.Dir.Combine("mask.png"), filled = f.Dir.Combine("filled.png");
        var half = new float[ImageCliFixture.Size * ImageCliFixture.Size];
        for (int p = 0; p < half.Length; p++) half[p] = p % ImageCliFixture.Size < ImageCliFixture.Size / 2 ? 1f : -1f;
        ImageFiles.SaveTensor(mask, Tensor.FromArray(half, 1, ImageCliFixture.Size, ImageCliFixture.Size));
        (code, _, error) = LoomCli.Run("inpaint", "--model", model, "--image", f.Image(0), "--mask", mask, "--prompt", "red square", "--out", filled);
        Assert.True(code == 0, error);
        Assert.Equal((ImageCliFixture.Size, ImageCliFixture.Size), (PngDecoder.Read(filled).Width, PngDecoder.Read(filled).Height));

        (code, output, error) = LoomCli.Run("eval", "images", "--model", model, "--data", f.Images, "--n", "6", "--prompt", "blue square",
            "--guidance", "0", "--steps", "2", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(("blue square", 0.0), ((string)json["prompt"]!, (double)json["guidance"]!));
        Assert.Null(json["bitsPerDim"]);
        var (failed, line) = LoomCli.Fail("sample", "--model", model, "--sampler", "euler", "--out", grid);
        Assert.NotEqual(0, failed);
        Assert.Contains("--sampler", line);
    }
}
