using Loom.Core;
using Loom.Models.Diffusion;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Schedulers;
using Loom.Models.Diffusion.Training;
using Loom.Models.Imaging;
using Loom.Tensors;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Diffusion;

/// <summary>One tiny caption-conditioned model trained once (through the family, as the CLI does) for the tests below.</summary>
public sealed class TrainedTinyDiffusion : IDisposable
{
    public TrainedTinyDiffusion()
    {
        Directory = TinyDiffusion.TempDirectory();
        var pictures = TinyDiffusion.Pictures();
        var settings = new Dictionary<string, string>
        {
            ["channels"] = "8", ["mults"] = "1,2", ["attention"] = "4", ["groups"] = "4", ["headChannels"] = "8", ["wordDim"] = "8", ["steps"] = "10",
        };
        var request = new ImageTrainingRequest
        {
            Train = pictures,
            Trainer = new TrainerOptions { Steps = 150, WarmupSteps = 10, LearningRate = 3e-3f, EvalEvery = 0, CheckpointEvery = 0, OutDir = Directory, Seed = 3 },
            BatchSize = 8,
            Settings = settings,
        };
        // The untrained network's validation figure, for the "loss falls" test: the same config, seed and fixed eval noise.
        var (config, scheduler) = DiffusionSettings.Parse(settings, pictures);
        var vocabulary = CaptionVocabulary.Build(TinyDiffusion.Captions);
        var untrained = new DiffusionTrainingTask(new DiffusionNetwork(config, vocabulary.Count, new LoomRandom(3)), new NoiseSchedule(scheduler),
            pictures, null, vocabulary, 8, flip: true);
        using (GradMode.NoGrad()) InitialLoss = untrained.Evaluate(CancellationToken.None).Loss;
        Result = new DiffusionFamily().Train(request);
        Model = (DiffusionImageModel)ImageFamilies.Load(Directory);
    }

    public string Directory { get; }
    public double InitialLoss { get; }
    public ImageTrainingResult Result { get; }
    public DiffusionImageModel Model { get; }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

public class DiffusionFamilyTests(TrainedTinyDiffusion trained) : IClassFixture<TrainedTinyDiffusion>
{
    [Fact]
    public void Family_is_found_by_name_and_writes_a_complete_directory()
    {
        Assert.IsType<DiffusionFamily>(ImageFamilies.Get("diffusion"));
        foreach (var file in new[] { "loom.json", "model.safetensors", SchedulerConfig.FileName, CaptionVocabulary.FileName })
            Assert.True(File.Exists(Path.Combine(trained.Directory, file)), $"{file} is missing");
        Assert.True(trained.Model.AcceptsPrompt);
        Assert.Equal((3, 8, 8), (trained.Model.Channels, trained.Model.Height, trained.Model.Width));
        Assert.Equal(10, trained.Model.Scheduler.DefaultSteps);
    }

    [Fact]
    public void Training_overfits_four_tiny_images()
    {
        var validation = trained.Result.Summary.Validation;
        Assert.NotNull(validation);
        Assert.True(validation.Loss < 0.5 * trained.InitialLoss, $"val ε-MSE {validation.Loss} did not fall well below the untrained {trained.InitialLoss}");
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        var request = new ImageSampleRequest { Count = 3, Prompt = "red square", Guidance = 2, Steps = 8 };
        var a = trained.Model.Sample(request, new LoomRandom(11));
        var b = trained.Model.Sample(request, new LoomRandom(11));
        var c = trained.Model.Sample(request, new LoomRandom(12));
        Assert.Equal([3, 3, 8, 8], a.ShapeArray);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), c.ToArray());
        Assert.All(a.ToArray(), v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void Guidance_changes_samples_and_both_samplers_run()
    {
        Tensor Sample(float guidance, string sampler) =>
            trained.Model.Sample(new ImageSampleRequest { Count = 2, Prompt = "blue square", Guidance = guidance, Steps = 6, Sampler = sampler }, new LoomRandom(5));
        var unconditional = Sample(0, "ddim");
        var guided = Sample(3, "ddim");
        Assert.NotEqual(unconditional.ToArray(), guided.ToArray());
        Assert.Equal(unconditional.ToArray(), trained.Model.Sample(new ImageSampleRequest { Count = 2, Steps = 6 }, new LoomRandom(5)).ToArray());
        var ddpm = Sample(3, "ddpm");
        Assert.All(ddpm.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(guided.ToArray(), ddpm.ToArray());
    }

    [Fact]
    public void Prompt_pushes_samples_toward_its_picture()
    {
        // With strong guidance a blue-square prompt should give more blue than red in the middle, and the reverse.
        double BlueMinusRed(string prompt)
        {
            var images = trained.Model.Sample(new ImageSampleRequest { Count = 4, Prompt = prompt, Guidance = 3, Steps = 10 }, new LoomRandom(21)).ToArray();
            double sum = 0;
            for (int n = 0; n < 4; n++)
            for (int y = 2; y < 6; y++)
            for (int x = 2; x < 6; x++)
                sum += images[((n * 3 + 2) * 8 + y) * 8 + x] - images[((n * 3 + 0) * 8 + y) * 8 + x];
            return sum;
        }
        Assert.True(BlueMinusRed("blue square") > BlueMinusRed("red square"));
    }

    [Fact]
    public void Inpainting_keeps_the_unmasked_region_exactly()
    {
        var image = TinyDiffusion.Pictures().Batch([3]);
        var maskValues = new float[64];
        for (int y = 0; y < 8; y++)
        for (int x = 4; x < 8; x++) maskValues[y * 8 + x] = 1f; // regenerate the right half
        var mask = new Tensor(maskValues, 1, 1, 8, 8);
        var result = trained.Model.Inpaint(image, mask, new ImageSampleRequest { Steps = 8, Sampler = "ddpm" }, new LoomRandom(2)).ToArray();
        var original = image.ToArray();
        int changed = 0;
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < 64; p++)
        {
            int i = c * 64 + p;
            if (maskValues[p] == 0) Assert.Equal(original[i], result[i]);
            else if (result[i] != original[i]) changed++;
        }
        Assert.True(changed > 0, "the masked half was not regenerated");
        Assert.Throws<LoomException>(() => trained.Model.Inpaint(image, Tensor.Zeros(1, 1, 4, 4), new ImageSampleRequest(), new LoomRandom(1)));
    }

    [Fact]
    public void Save_then_load_gives_identical_samples()
    {
        string copy = TinyDiffusion.TempDirectory();
        try
        {
            var model = trained.Model;
            DiffusionModelDirectory.Save(copy, model.Network, model.Vocabulary, model.Scheduler);
            var loaded = new DiffusionFamily().Load(copy);
            var request = new ImageSampleRequest { Count = 2, Prompt = "green ring", Guidance = 3, Steps = 5 };
            Assert.Equal(model.Sample(request, new LoomRandom(8)).ToArray(), loaded.Sample(request, new LoomRandom(8)).ToArray());
        }
        finally
        {
            if (Directory.Exists(copy)) Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Unconditional_model_refuses_a_prompt_and_settings_refuse_unknown_keys()
    {
        var network = new DiffusionNetwork(TinyDiffusion.Config(conditional: false), 0, new LoomRandom(1));
        var model = new DiffusionImageModel(network, null, new SchedulerConfig { DefaultSteps = 3 });
        Assert.False(model.AcceptsPrompt);
        Assert.Equal([1, 3, 8, 8], model.Sample(new ImageSampleRequest(), new LoomRandom(1)).ShapeArray);
        var error = Assert.Throws<LoomException>(() => model.Sample(new ImageSampleRequest { Prompt = "red square" }, new LoomRandom(1)));
        Assert.Contains("prompt", error.Message);

        error = Assert.Throws<LoomException>(() => DiffusionSettings.Parse(new Dictionary<string, string> { ["widht"] = "3" }, TinyDiffusion.Pictures()));
        Assert.Contains("widht", error.Message);
        error = Assert.Throws<LoomException>(() => DiffusionSettings.Parse(new Dictionary<string, string> { ["condition"] = "caption" }, TinyDiffusion.Pictures(captions: false)));
        Assert.Contains("captions", error.Message);
        Assert.Throws<LoomException>(() => DiffusionSettings.Parse(new Dictionary<string, string> { ["mults"] = "1,x" }, TinyDiffusion.Pictures()));
    }

    [Fact]
    public void Evaluation_is_deterministic()
    {
        var task = new DiffusionTrainingTask(trained.Model.Network, new NoiseSchedule(trained.Model.Scheduler), TinyDiffusion.Pictures(), null,
            trained.Model.Vocabulary, 3, flip: false);
        using var _ = GradMode.NoGrad();
        Assert.Equal(task.Evaluate(CancellationToken.None).Loss, task.Evaluate(CancellationToken.None).Loss);
    }
}
