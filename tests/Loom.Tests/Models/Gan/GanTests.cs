using Loom.Core;
using Loom.Models.Gan;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Models.Vae;
using Loom.Tensors;
using Loom.Tests.Models.Vae;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Gan;

/// <summary>One GAN trained once on four 8×8 shapes, shared by the tests that need a trained model.</summary>
public sealed class TrainedGan : IDisposable
{
    public static readonly Dictionary<string, string> Settings = new() { ["latent"] = "8", ["channels"] = "16", ["emaDecay"] = "0.9" };

    public TrainedGan()
    {
        Images = TinyImages.Shapes(4, 8);
        Result = new GanFamily().Train(new ImageTrainingRequest
        {
            Train = Images,
            Trainer = TinyImages.Options(Dir.Path, steps: 200, learningRate: 2e-3f),
            BatchSize = 8,
            Flip = false,
            Settings = Settings,
        });
        Model = (GanModel)ImageFamilies.Load(Dir.Path);
    }

    public TinyImages.TempDir Dir { get; } = new();
    public ImageTensorSet Images { get; }
    public ImageTrainingResult Result { get; }
    public GanModel Model { get; }

    public void Dispose() => Dir.Dispose();
}

public class GanTests(TrainedGan trained) : IClassFixture<TrainedGan>
{
    /// <summary>Mean over samples of the squared distance per pixel to the nearest training image.</summary>
    private static double NearestDistance(Tensor samples, ImageTensorSet images)
    {
        int size = images.ImageSize, n = samples.Size(0);
        var s = samples.ToArray();
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double best = double.MaxValue;
            for (int j = 0; j < images.Count; j++) best = Math.Min(best, TinyImages.MeanSquaredError(s.AsSpan(i * size, size), images.Image(j)));
            total += best;
        }
        return total / n;
    }

    [Fact]
    public void Training_moves_the_losses_and_brings_samples_closer_to_the_data()
    {
        var config = trained.Model.Config;
        var initial = new GanModel(new GanNetworks(config, new LoomRandom(TinyImages.Options("x", 1).Seed).Fork()).AverageGenerator);
        var request = new ImageSampleRequest { Count = 16 };
        double before = NearestDistance(initial.Sample(request, new LoomRandom(4)), trained.Images);
        double after = NearestDistance(trained.Model.Sample(request, new LoomRandom(4)), trained.Images);
        Assert.True(after < 0.5 * before, $"nearest-image distance {before:F3} → {after:F3}");

        var log = MetricsLog.Read(Path.Combine(trained.Dir.Path, MetricsLog.FileName));
        Assert.Equal(200, log.Count);
        // At the first step D cannot tell real from generated (scores near 0: hinge loss near 2, G's loss near 0).
        double dFirst = (double)log[0]["loss"]!, dLast = log.TakeLast(20).Average(r => (double)r["loss"]!);
        double gFirst = (double)log[0]["generatorLoss"]!, gLast = log.TakeLast(20).Average(r => (double)r["generatorLoss"]!);
        Assert.True(Math.Abs(dLast - dFirst) > 0.2 && Math.Abs(gLast - gFirst) > 0.1, $"D {dFirst:F3} → {dLast:F3}, G {gFirst:F3} → {gLast:F3}");
        Assert.All(log, r => Assert.True(double.IsFinite((double)r["loss"]!)));
    }

    [Fact]
    public void Loading_again_gives_the_same_samples_for_the_same_seed()
    {
        var again = (GanModel)new GanFamily().Load(trained.Dir.Path);
        var request = new ImageSampleRequest { Count = 3 };
        var a = trained.Model.Sample(request, new LoomRandom(5)).ToArray();
        Assert.Equal(a, again.Sample(request, new LoomRandom(5)).ToArray());
        Assert.NotEqual(a, again.Sample(request, new LoomRandom(6)).ToArray());
        Assert.All(a, v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(new[] { 70, 3, 8, 8 }, again.Sample(new ImageSampleRequest { Count = 70 }, new LoomRandom(1)).ShapeArray);
    }

    [Fact]
    public void Temperature_scales_the_noise()
    {
        var cold = trained.Model.Sample(new ImageSampleRequest { Count = 2, Temperature = 0f }, new LoomRandom(1)).ToArray();
        Assert.Equal(cold.AsSpan(0, 192).ToArray(), cold.AsSpan(192, 192).ToArray());
    }

    [Fact]
    public void Model_directory_names_the_family_and_keeps_the_config()
    {
        var manifest = ModelDirectory.ReadManifest(trained.Dir.Path, "gan");
        Assert.Equal(trained.Model.Config, FamilySettings.FromJson<GanConfig>(manifest.Config, "loom.json", "gan"));
        Assert.Equal(0.9f, trained.Model.Config.EmaDecay);
        Assert.Equal(200, manifest.Training!.Steps);
        Assert.Same(ImageFamilies.Get("gan").GetType(), typeof(GanFamily));
        Assert.Throws<LoomException>(() => trained.Model.Sample(new ImageSampleRequest { Prompt = "x" }, new LoomRandom(1)));
    }
}

public class GanTrainingTests
{
    private static ImageTrainingRequest Request(string dir, long steps, bool resume = false) => new()
    {
        Train = TinyImages.Shapes(4, 8),
        Trainer = TinyImages.Options(dir, steps) with { Resume = resume, CheckpointEvery = 0 },
        BatchSize = 4,
        Settings = new Dictionary<string, string> { ["latent"] = "4", ["channels"] = "8" },
    };

    [Fact]
    public void A_run_stopped_and_resumed_ends_with_the_same_weights_as_one_uninterrupted_run()
    {
        using var whole = new TinyImages.TempDir();
        using var split = new TinyImages.TempDir();
        new GanFamily().Train(Request(whole.Path, 12));

        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Step == 5) cancel.Cancel(); });
        var first = new GanFamily().Train(Request(split.Path, 12), progress, cancellation: cancel.Token);
        Assert.Equal(StopReason.Cancelled, first.Summary.Stopped);
        Assert.Equal(5, first.Summary.Steps);
        var second = new GanFamily().Train(Request(split.Path, 12, resume: true));
        Assert.Equal(5, second.Summary.ResumedFromStep);

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Path, ModelDirectory.WeightsFileName)),
            File.ReadAllBytes(Path.Combine(split.Path, ModelDirectory.WeightsFileName)));
        var losses = (string dir) => MetricsLog.Read(Path.Combine(dir, MetricsLog.FileName)).Select(r => (double)r["loss"]!).ToArray();
        Assert.Equal(losses(whole.Path), losses(split.Path));
    }

    [Fact]
    public void Config_json_round_trips()
    {
        var config = new GanConfig { ImageChannels = 3, ImageSize = 16, Latent = 10, Channels = 8, EmaDecay = 0.99f, Beta1 = 0.5f };
        Assert.Equal(config, FamilySettings.FromJson<GanConfig>(FamilySettings.ToJson(config), "loom.json", "gan"));
    }

    [Theory]
    [InlineData("latent", "0")]
    [InlineData("emaDecay", "1.5")]
    [InlineData("beta1", "1")]
    [InlineData("discriminatorSteps", "0")]
    [InlineData("discriminatorLrRatio", "-2")]
    [InlineData("channels", "x")]
    [InlineData("depth", "3")]
    public void Bad_settings_name_the_key(string key, string value)
    {
        var e = Assert.Throws<LoomException>(() => GanConfig.FromSettings(new Dictionary<string, string> { [key] = value }, 3, 32));
        Assert.Contains(key, e.Message);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late to stop at a step).</summary>
    private sealed class SyncProgress(Action<TrainerProgress> report) : IProgress<TrainerProgress>
    {
        public void Report(TrainerProgress value) => report(value);
    }
}
