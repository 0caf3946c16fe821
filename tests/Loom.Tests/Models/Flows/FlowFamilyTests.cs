using Loom.Core;
using Loom.Models.Flows;
using Loom.Models.Imaging;
using Loom.Tensors;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Flows;

public sealed class FlowFamilyTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loom-flow-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static ImageTrainingRequest Request(string outDir, int steps, Dictionary<string, string>? settings = null)
    {
        var images = FlowTestData.BlockImages(4, channels: 4, size: 8);
        return new ImageTrainingRequest
        {
            Train = images,
            Validation = images,
            Trainer = new TrainerOptions { Steps = steps, WarmupSteps = 5, LearningRate = 5e-3f, EvalEvery = 0, CheckpointEvery = 0, OutDir = outDir, Seed = 3 },
            BatchSize = 4,
            Flip = false,
            Settings = settings ?? new Dictionary<string, string> { ["levels"] = "1", ["stepsPerLevel"] = "3", ["hidden"] = "8" },
        };
    }

    [Fact]
    public void Family_is_found_by_name_and_overfits_a_handful_of_images_then_round_trips_its_directory()
    {
        var family = ImageFamilies.Get("flow");
        Assert.IsType<FlowFamily>(family);
        var request = Request(_dir, 30);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = family.Train(request);
        output.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F2}s");

        var model = ImageFamilies.Load(result.ModelDirectory);
        Assert.Equal("flow", model.Family);
        Assert.Equal((4, 8, 8), (model.Channels, model.Height, model.Width));
        var likelihood = Assert.IsAssignableFrom<IImageLikelihood>(model);
        Assert.True(likelihood.IsExact);

        // Before training the same flow (same seed, ActNorms initialized on the data) scores ~8 bits/dim or worse.
        var images = request.Train.Batch([0, 1, 2, 3]);
        var untrained = new MultiScaleFlow(((FlowImageModel)model).Flow.Config, new LoomRandom(3));
        untrained.Initialize(Dequantization.ToFlowSpace(images, new LoomRandom(1)));
        double before = new FlowImageModel(untrained).BitsPerDim(images, new LoomRandom(2)).Average();
        double after = likelihood.BitsPerDim(images, new LoomRandom(2)).Average();
        output.WriteLine($"bits/dim before {before:F3}, after {after:F3}, loop's validation {result.Summary.Validation!.Loss:F3}");
        Assert.True(after < before - 1.5, $"bits/dim should fall clearly: before {before:F3}, after {after:F3}");
        Assert.Equal(after, result.Summary.Validation!.Loss, 0.3); // the loop's validation figure (other noise) agrees

        // Save → load gives the same likelihoods and the same samples.
        var memory = new FlowImageModel(((FlowImageModel)model).Flow);
        var reloaded = (FlowImageModel)ImageFamilies.Load(result.ModelDirectory);
        Assert.Equal(memory.BitsPerDim(images, new LoomRandom(5)), reloaded.BitsPerDim(images, new LoomRandom(5)));
        var request2 = new ImageSampleRequest { Count = 3, Temperature = 0.8f };
        Assert.Equal(memory.Sample(request2, new LoomRandom(6)).ToArray(), reloaded.Sample(request2, new LoomRandom(6)).ToArray());
    }

    [Fact]
    public void Same_seed_trains_bit_identical_weights_and_a_resumed_run_matches_an_uninterrupted_one()
    {
        var family = new FlowFamily();
        string Weights(string dir) => Path.Combine(dir, Loom.Models.Storage.ModelDirectory.WeightsFileName);
        var straight = Request(Path.Combine(_dir, "a"), 6);
        family.Train(straight);
        family.Train(straight with { Trainer = straight.Trainer with { OutDir = Path.Combine(_dir, "b") } });
        Assert.Equal(File.ReadAllBytes(Weights(Path.Combine(_dir, "a"))), File.ReadAllBytes(Weights(Path.Combine(_dir, "b"))));

        // 6 planned steps, cancelled after 3 and resumed: the loop's checkpoint carries the
        // ActNorm init, the optimizer and the generators, so the last weights are the uninterrupted run's.
        string resumed = Path.Combine(_dir, "c");
        var first = straight with { Trainer = straight.Trainer with { OutDir = resumed, CheckpointEvery = 3 } };
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new Progress3(cancel);
            family.Train(first, progress, cancellation: cancel.Token);
        }
        family.Train(first with { Trainer = first.Trainer with { Resume = true } });
        Assert.Equal(File.ReadAllBytes(Weights(Path.Combine(_dir, "a"))), File.ReadAllBytes(Weights(resumed)));
    }

    /// <summary>Cancels the run once it reports step 3 (synchronously, so the loop stops right there).</summary>
    private sealed class Progress3(CancellationTokenSource cancel) : IProgress<TrainerProgress>
    {
        public void Report(TrainerProgress value)
        {
            if (value.Step >= 3) cancel.Cancel();
        }
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_temperature_scales_the_spread()
    {
        var flow = FlowTestData.RandomFlow(new FlowConfig { Channels = 3, Height = 8, Width = 8, Levels = 2, StepsPerLevel = 1, Hidden = 8 }, seed: 4);
        var model = new FlowImageModel(flow);
        var request = new ImageSampleRequest { Count = 70 }; // more than one internal batch
        var a = model.Sample(request, new LoomRandom(10));
        var b = model.Sample(request, new LoomRandom(10));
        var c = model.Sample(request, new LoomRandom(11));
        Assert.Equal([70, 3, 8, 8], a.ShapeArray);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), c.ToArray());
        Assert.All(a.ToArray(), v => Assert.InRange(v, -1f, 1f));

        // Temperature 0 draws every latent at its prior's mean: all images identical.
        var cold = model.Sample(new ImageSampleRequest { Count = 2, Temperature = 0 }, new LoomRandom(12));
        Assert.Equal(cold.Slice(0, 0, 1).ToArray(), cold.Slice(0, 1, 1).ToArray());
        Assert.Throws<LoomException>(() => model.Sample(new ImageSampleRequest { Prompt = "a cat" }, new LoomRandom(1)));
    }

    [Fact]
    public void Interpolation_runs_from_one_image_to_the_other()
    {
        var flow = FlowTestData.RandomFlow(new FlowConfig { Channels = 4, Height = 8, Width = 8, Levels = 2, StepsPerLevel = 1, Hidden = 8 }, seed: 2);
        var images = FlowTestData.BlockImages(2);
        var from = images.Batch([0]);
        var to = images.Batch([1]);
        var path = new FlowImageModel(flow).Interpolate(from, to, 5);
        Assert.Equal([5, 4, 8, 8], path.ShapeArray);
        // The ends are the images themselves, to well within one 8-bit level (1/127.5 in [−1, 1]).
        Assert.InRange(FlowTestData.MaxAbsDifference(from, path.Slice(0, 0, 1)), 0, 0.002);
        Assert.InRange(FlowTestData.MaxAbsDifference(to, path.Slice(0, 4, 1)), 0, 0.002);
        Assert.True(FlowTestData.MaxAbsDifference(from, path.Slice(0, 2, 1)) > 0.05);
    }

    [Fact]
    public void Briefly_trained_flow_inverts_exactly_and_samples_finite_values_at_temperature_1()
    {
        var request = Request(_dir, 8, new Dictionary<string, string> { ["levels"] = "2", ["stepsPerLevel"] = "2", ["hidden"] = "8" });
        var model = FlowDirectory.Load(new FlowFamily().Train(request).ModelDirectory);
        Assert.Equal(CouplingScale.SoftClamp, model.Flow.Config.Coupling);

        var x = Dequantization.ToFlowSpace(request.Train.Batch([0, 1, 2, 3]), new LoomRandom(4));
        Assert.InRange(FlowTestData.MaxAbsDifference(x, model.Flow.Decode(model.Flow.Encode(x).Latents)), 0, 1e-4);

        foreach (float temperature in new[] { 0.7f, 1f, 1.5f })
        {
            var samples = model.Flow.Sample(32, temperature, new LoomRandom(5));
            Assert.All(samples.ToArray(), v => Assert.True(float.IsFinite(v), $"a non-finite value at temperature {temperature}"));
        }
    }

    [Fact]
    public void A_flow_saved_before_the_coupling_setting_loads_as_the_sigmoid_kind()
    {
        var config = new FlowConfig { Channels = 4, Height = 8, Width = 8, Levels = 2, StepsPerLevel = 1, Hidden = 8, Coupling = CouplingScale.Sigmoid };
        var flow = FlowTestData.RandomFlow(config, seed: 6);
        FlowDirectory.Save(_dir, flow);
        string manifestPath = Path.Combine(_dir, Loom.Models.Storage.ModelDirectory.ManifestFileName);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        Assert.Equal("sigmoid", manifest["config"]!["coupling"]!.GetValue<string>());
        Assert.True(manifest["config"]!.AsObject().Remove("coupling")); // as the first version wrote it
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var loaded = FlowDirectory.Load(_dir);
        Assert.Equal(CouplingScale.Sigmoid, loaded.Flow.Config.Coupling);
        var images = FlowTestData.BlockImages(2);
        Assert.Equal(new FlowImageModel(flow).BitsPerDim(images.Batch([0, 1]), new LoomRandom(7)), loaded.BitsPerDim(images.Batch([0, 1]), new LoomRandom(7)));

        // Soft-clamp weights under a config that claims the old kind: the strict load names what does not fit.
        FlowDirectory.Save(_dir, FlowTestData.RandomFlow(config with { Coupling = CouplingScale.SoftClamp }, seed: 6));
        manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["config"]!.AsObject().Remove("coupling");
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        Assert.Contains("Norm", Assert.ThrowsAny<LoomException>(() => FlowDirectory.Load(_dir)).Message);
    }

    [Fact]
    public void Settings_and_config_are_checked_and_round_trip_through_json()
    {
        var config = new FlowConfig().With(new Dictionary<string, string> { ["Levels"] = "2", ["hidden"] = "32" });
        Assert.Equal(2, config.Levels);
        Assert.Equal(32, config.Hidden);
        Assert.Equal(config, FlowConfig.FromJson(config.ToJson(), "test"));
        Assert.Equal(CouplingScale.SoftClamp, config.Coupling);
        var sigmoid = config.With(new Dictionary<string, string> { ["coupling"] = "sigmoid" });
        Assert.Equal(CouplingScale.Sigmoid, sigmoid.Coupling);
        Assert.Equal(sigmoid, FlowConfig.FromJson(sigmoid.ToJson(), "test"));
        Assert.Contains("softClamp", Assert.Throws<LoomException>(() => config.With(new Dictionary<string, string> { ["coupling"] = "tanh" })).Message);
        var unknown = config.ToJson();
        unknown["coupling"] = "tanh";
        Assert.Throws<LoomException>(() => FlowConfig.FromJson(unknown, "loom.json"));
        Assert.Contains("stepsPerLevel", Assert.Throws<LoomException>(() => config.With(new Dictionary<string, string> { ["depth"] = "3" })).Message);
        Assert.Contains("'x'", Assert.Throws<LoomException>(() => config.With(new Dictionary<string, string> { ["levels"] = "x" })).Message);
        var odd = Assert.Throws<LoomException>(() => (config with { Height = 10 }).Validate());
        Assert.Contains("multiples of 4", odd.Message);
        Assert.Throws<LoomException>(() => FlowConfig.FromJson(new System.Text.Json.Nodes.JsonObject { ["levels"] = 0 }, "loom.json"));
    }

    [Fact]
    public void Training_needs_an_output_directory_and_images_of_the_right_shape()
    {
        var family = new FlowFamily();
        var request = Request(_dir, 1);
        Assert.Throws<LoomException>(() => family.Train(request with { Trainer = request.Trainer with { OutDir = null } }));
        var wrong = Assert.Throws<LoomException>(() => family.Train(request with { Validation = FlowTestData.BlockImages(2, channels: 3) }));
        Assert.Contains("validation", wrong.Message);
    }
}
