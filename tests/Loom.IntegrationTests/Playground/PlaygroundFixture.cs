using Loom.IntegrationTests.Server;
using Loom.Models.Imaging;
using Loom.Server.Hosting;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.IntegrationTests.Playground;

/// <summary>
/// A real server for the browser: "tiny-lm" (a Loom transformer-lm with random weights) and "tiny-vae" (a VAE trained
/// through ImageFamilies for a few steps on four 8×8 images), served from a fresh models directory.
/// </summary>
public sealed class PlaygroundFixture : IAsyncLifetime
{
    public const string Lm = "tiny-lm", Image = "tiny-vae";
    public const int ImageSize = 8;
    private const string Corpus = "the quick brown fox jumps over the lazy dog. a fox, a dog, a cat.\n<|im_start|>system user assistant<|im_end|>";

    public string Models { get; } = Path.Combine(Path.GetTempPath(), "loom-playground-" + Guid.NewGuid().ToString("N"));
    public LoomServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Models);
        TinyLanguageModel.Save(Path.Combine(Models, Lm), Corpus);
        TrainImageModel(Path.Combine(Models, Image));
        Server = LoomServerBuilder.Create(TestServers.Overrides(Models), readEnvironment: false).Build();
        await Server.StartAsync();
    }

    private static void TrainImageModel(string outDir)
    {
        // Four 8×8 RGB images: a bright square on a dark ground at a different corner each.
        const int count = 4, channels = 3, plane = ImageSize * ImageSize;
        var pixels = new float[count * channels * plane];
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < ImageSize; y++)
                    for (int x = 0; x < ImageSize; x++)
                    {
                        bool inside = (y < 4) == (i % 2 == 0) && (x < 4) == (i < 2);
                        pixels[((i * channels + c) * ImageSize + y) * ImageSize + x] = inside ? 0.8f : -0.8f;
                    }
        ImageFamilies.Get("vae").Train(new ImageTrainingRequest
        {
            Train = new ImageTensorSet(pixels, count, channels, ImageSize, ImageSize),
            Trainer = new TrainerOptions
            {
                Steps = 3, LearningRate = 3e-3f, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = 0, WeightDecay = 0f, Seed = 1, OutDir = outDir,
            },
            BatchSize = 4,
            Flip = false,
            Settings = new Dictionary<string, string> { ["latent"] = "4", ["channels"] = "8" },
        });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Models, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
