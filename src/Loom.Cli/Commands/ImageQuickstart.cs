using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Models.Imaging;
using Loom.Training.BuiltIn;
using Loom.Training.Classification;
using Loom.Training.Images;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// The quickstart's image model: a small VAE learns procedurally drawn shapes (<see cref="ShapesDataset"/>, coloured
/// by class on white, so no download), trained through the image-family contract like `loom train image`, then
/// draws a grid of new shapes into a PNG whose path it prints.
/// </summary>
public sealed class ImageQuickstart(int? steps = null) : IQuickstartDemo
{
    /// <summary>Optimizer steps of a full run (about half a minute on two cores; fewer leave grey blurs) and of a --quick one.</summary>
    public const int FullSteps = 1200, QuickSteps = 60;

    public const int ImageSize = 16, TrainImages = 512, GridImages = 36;

    /// <summary>A small VAE for 16×16 shapes; 8 latent dimensions gave cleaner colours and outlines than 16 in the same time.</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["latent"] = "8", ["channels"] = "16" };

    // Circle red, square green, triangle blue: the grid shows at a glance whether the model mixes classes.
    private static readonly float[][] ClassColour = [[0.85f, 0.15f, 0.15f], [0.15f, 0.6f, 0.2f], [0.15f, 0.3f, 0.85f]];

    public string Name => "images";
    public string Title => "drawn shapes, VAE";

    public IQuickstartOutcome Run(QuickstartOptions options, Action<TrainingProgress> progress, CancellationToken cancellation)
    {
        var family = ImageFamilies.Get("vae");
        var images = ColouredShapes(TrainImages, new LoomRandom(options.Seed));
        string outDir = options.OutDir ?? Path.Combine(Path.GetTempPath(), "loom-quickstart");
        string modelDir = Path.Combine(outDir, "shapes-vae");
        // A quickstart starts over each time: an old checkpoint would make the run resume or refuse.
        if (Directory.Exists(modelDir)) Directory.Delete(modelDir, recursive: true);
        int stepCount = steps ?? (options.Quick ? QuickSteps : FullSteps);
        var request = new ImageTrainingRequest
        {
            Train = images,
            Trainer = new TrainerOptions
            {
                Steps = stepCount,
                WarmupSteps = stepCount / 10,
                LearningRate = 3e-3f,
                EvalEvery = 0,
                CheckpointEvery = stepCount,
                Seed = options.Seed,
                OutDir = modelDir,
            },
            BatchSize = 32,
            Settings = Settings,
        };
        var result = family.Train(request, new Sink(p => progress(new TrainingProgress((int)p.Step, (int)p.TotalSteps, p.Loss, float.NaN))),
            cancellation: cancellation);
        var model = family.Load(result.ModelDirectory);
        var samples = model.Sample(new ImageSampleRequest { Count = GridImages }, new LoomRandom(options.Seed + 1), cancellation);
        string grid = Path.Combine(outDir, "shapes-vae-samples.png");
        ImageGrid.Write(grid, samples);
        return new Outcome(result, grid, images.Count);
    }

    /// <summary><paramref name="count"/> RGB shapes in [-1, 1]: each class in its colour on a white background.</summary>
    public static ImageTensorSet ColouredShapes(int count, LoomRandom rng)
    {
        var gray = ShapesDataset.Generate(count, ImageSize, rng);
        var coverage = gray.Inputs.ToArray();
        int plane = ImageSize * ImageSize;
        var pixels = new float[count * 3 * plane];
        for (int i = 0; i < count; i++)
        {
            var colour = ClassColour[gray.Labels[i]];
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < plane; p++)
                {
                    float v = Math.Clamp(coverage[i * plane + p], 0f, 1f);
                    pixels[(i * 3 + c) * plane + p] = 2f * (1f - v * (1f - colour[c])) - 1f;
                }
        }
        return new ImageTensorSet(pixels, count, 3, ImageSize, ImageSize, sources: Enumerable.Range(0, count).Select(i => $"shapes#{i}").ToArray());
    }

    private sealed class Sink(Action<TrainerProgress> report) : IProgress<TrainerProgress>
    {
        public void Report(TrainerProgress value) => report(value);
    }

    private sealed class Outcome(ImageTrainingResult result, string grid, int images) : IQuickstartOutcome
    {
        public JsonObject ToJson() => new()
        {
            ["model"] = result.ModelDirectory,
            ["grid"] = grid,
            ["trainImages"] = images,
            ["steps"] = result.Summary.Steps,
            ["trainLoss"] = float.IsNaN(result.Summary.FinalLoss) ? null : result.Summary.FinalLoss,
        };

        public void Render(IAnsiConsole console)
        {
            console.Write(new Rule("[bold]Drawn shapes[/]: what the VAE learned").LeftJustified());
            console.MarkupLine($"A VAE trained {result.Summary.Steps} steps on {images} drawn shapes (circles red, squares green, triangles blue).");
            console.MarkupLine($"{GridImages} new images it drew: [bold]{Markup.Escape(grid)}[/]");
            console.MarkupLine($"Model: {Markup.Escape(result.ModelDirectory)} (try: loom sample --model {Markup.Escape(result.ModelDirectory)} --out grid.png)");
        }
    }
}
