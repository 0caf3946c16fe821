using Loom.Core;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Models.Vae;
using Loom.Tensors;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Vae;

/// <summary>One VAE trained once on four 8×8 shapes, shared by the tests that need a trained model.</summary>
public sealed class TrainedVae : IDisposable
{
    public TrainedVae()
    {
        Images = TinyImages.Shapes(4, 8);
        var request = new ImageTrainingRequest
        {
            Train = Images,
            Trainer = TinyImages.Options(Dir.Path, steps: 300),
            BatchSize = 4,
            Flip = false,
            Settings = new Dictionary<string, string> { ["latent"] = "8", ["channels"] = "16" },
        };
        Result = new VaeFamily().Train(request);
        Model = (VaeModel)ImageFamilies.Load(Dir.Path);
    }

    public TinyImages.TempDir Dir { get; } = new();
    public Loom.Training.Images.ImageTensorSet Images { get; }
    public ImageTrainingResult Result { get; }
    public VaeModel Model { get; }

    public Tensor ImageTensor => Tensor.FromArray(Images.Pixels, Images.Count, 3, 8, 8);

    public void Dispose() => Dir.Dispose();
}

public class VaeTests(TrainedVae trained) : IClassFixture<TrainedVae>
{
    [Fact]
    public void Overfitting_four_images_cuts_reconstruction_error_and_the_loss()
    {
        var untrained = new VaeModel(new VaeNetwork(trained.Model.Config, new LoomRandom(3)));
        var images = trained.ImageTensor;
        double before = TinyImages.MeanSquaredError(untrained.Reconstruct(images).AsSpan(), images.AsSpan());
        double after = TinyImages.MeanSquaredError(trained.Model.Reconstruct(images).AsSpan(), images.AsSpan());
        Assert.True(after < 0.3 * before, $"reconstruction MSE {after:F4} should be well below the untrained {before:F4}");

        var log = MetricsLog.Read(Path.Combine(trained.Dir.Path, MetricsLog.FileName));
        double first = log.Take(10).Average(r => (double)r["loss"]!), last = log.Where(r => r["loss"] is not null).TakeLast(10).Average(r => (double)r["loss"]!);
        Assert.True(last < 0.8 * first, $"loss {first:F1} → {last:F1}");
        Assert.NotNull(trained.Result.Summary.Validation?.Extra?["valBitsPerDim"]);
    }

    [Fact]
    public void Model_directory_names_the_family_and_keeps_the_config()
    {
        var manifest = ModelDirectory.ReadManifest(trained.Dir.Path, "vae");
        Assert.Equal(8, (int)manifest.Config!["latent"]!);
        Assert.Equal(300, manifest.Training!.Steps);
        Assert.Equal(trained.Model.Config, FamilySettings.FromJson<VaeConfig>(manifest.Config, "loom.json", "vae"));
        Assert.Equal(new[] { 3, 8, 8 }, new[] { trained.Model.Channels, trained.Model.Height, trained.Model.Width });
    }

    [Fact]
    public void Loading_again_gives_the_same_samples_for_the_same_seed()
    {
        var again = (VaeModel)new VaeFamily().Load(trained.Dir.Path);
        var request = new ImageSampleRequest { Count = 3 };
        var a = trained.Model.Sample(request, new LoomRandom(5)).ToArray();
        var b = again.Sample(request, new LoomRandom(5)).ToArray();
        var c = again.Sample(request, new LoomRandom(6)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(new[] { 3, 3, 8, 8 }, trained.Model.Sample(request, new LoomRandom(5)).ShapeArray);
    }

    [Fact]
    public void Temperature_zero_samples_decode_the_prior_mean()
    {
        var cold = trained.Model.Sample(new ImageSampleRequest { Count = 2, Temperature = 0f }, new LoomRandom(1)).ToArray();
        Assert.Equal(cold.AsSpan(0, 192).ToArray(), cold.AsSpan(192, 192).ToArray());
    }

    [Fact]
    public void Interpolation_starts_and_ends_at_the_reconstructions()
    {
        var images = trained.ImageTensor;
        var from = images.Slice(0, 0, 1).Contiguous();
        var to = images.Slice(0, 1, 1).Contiguous();
        var path = trained.Model.Interpolate(from, to, 5);
        Assert.Equal(new[] { 5, 3, 8, 8 }, path.ShapeArray);
        Assert.Equal(trained.Model.Reconstruct(from).ToArray(), path.Slice(0, 0, 1).Contiguous().ToArray());
        Assert.Equal(trained.Model.Reconstruct(to).ToArray(), path.Slice(0, 4, 1).Contiguous().ToArray());
        Assert.NotEqual(path.Slice(0, 0, 1).Contiguous().ToArray(), path.Slice(0, 2, 1).Contiguous().ToArray());
    }

    [Fact]
    public void Noise_images_score_as_more_anomalous_than_training_images()
    {
        var noiseSet = TinyImages.Noise(4, 8);
        var noise = Tensor.FromArray(noiseSet.Pixels, 4, 3, 8, 8);
        var seen = trained.Model.AnomalyScores(trained.ImageTensor, new LoomRandom(1));
        var unseen = trained.Model.AnomalyScores(noise, new LoomRandom(1));
        Assert.True(unseen.Min() > seen.Max(), $"noise {unseen.Min():F0} vs training {seen.Max():F0} nats");
    }

    [Fact]
    public void Bits_per_dim_is_the_seeded_negative_elbo_bound()
    {
        Assert.False(trained.Model.IsExact);
        var images = trained.ImageTensor;
        var bits = trained.Model.BitsPerDim(images, new LoomRandom(2));
        Assert.Equal(bits, trained.Model.BitsPerDim(images, new LoomRandom(2)));
        var nats = trained.Model.AnomalyScores(images, new LoomRandom(2));
        for (int i = 0; i < bits.Length; i++) Assert.Equal(nats[i] / (192 * Math.Log(2)), bits[i], 1e-9);
        Assert.All(bits, b => Assert.InRange(b, 0.0, 8.0 + 1e-9 + 100));
    }

    [Fact]
    public void A_prompt_is_rejected()
    {
        Assert.Throws<LoomException>(() => trained.Model.Sample(new ImageSampleRequest { Prompt = "a cat" }, new LoomRandom(1)));
    }
}

public class VaeConfigTests
{
    [Fact]
    public void Config_json_round_trips()
    {
        var config = new VaeConfig { ImageChannels = 3, ImageSize = 16, Latent = 12, Channels = 8, Beta = 0.5f };
        var json = FamilySettings.ToJson(config);
        Assert.Equal(config, FamilySettings.FromJson<VaeConfig>(json, "loom.json", "vae"));
        Assert.Null(json["levels"]);
    }

    [Theory]
    [InlineData("latent", "0")]
    [InlineData("channels", "-3")]
    [InlineData("beta", "-1")]
    [InlineData("latent", "many")]
    [InlineData("colour", "1")]
    public void Bad_settings_name_the_key(string key, string value)
    {
        var e = Assert.Throws<LoomException>(() => VaeConfig.FromSettings(new Dictionary<string, string> { [key] = value }, 3, 32));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Settings_keys_are_case_insensitive() =>
        Assert.Equal(5, VaeConfig.FromSettings(new Dictionary<string, string> { ["Latent"] = "5" }, 3, 32).Latent);

    [Theory]
    [InlineData(24)]
    [InlineData(4)]
    public void Image_sizes_other_than_powers_of_two_from_eight_are_rejected(int size)
    {
        var e = Assert.Throws<LoomException>(() => VaeConfig.FromSettings(new Dictionary<string, string>(), 3, size));
        Assert.Contains("imageSize", e.Message);
    }

    [Fact]
    public void Unknown_config_fields_in_loom_json_are_an_error() =>
        Assert.Throws<LoomException>(() => FamilySettings.FromJson<VaeConfig>(System.Text.Json.Nodes.JsonNode.Parse("{\"latnt\": 3}"), "loom.json", "vae"));

    [Fact]
    public void Training_twice_with_one_seed_gives_identical_weights()
    {
        using var a = new TinyImages.TempDir();
        using var b = new TinyImages.TempDir();
        foreach (var dir in new[] { a, b })
        {
            new VaeFamily().Train(new ImageTrainingRequest
            {
                Train = TinyImages.Shapes(4, 8),
                Trainer = TinyImages.Options(dir.Path, steps: 5),
                BatchSize = 4,
                Settings = new Dictionary<string, string> { ["latent"] = "4", ["channels"] = "4" },
            });
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, ModelDirectory.WeightsFileName)),
            File.ReadAllBytes(Path.Combine(b.Path, ModelDirectory.WeightsFileName)));
    }
}

public class VaeDirectoryTests
{
    [Fact]
    public void An_out_of_range_config_in_loom_json_is_a_format_error_naming_the_file_and_field()
    {
        using var dir = new TinyImages.TempDir();
        VaeDirectory.Save(dir.Path, new VaeNetwork(new VaeConfig { ImageChannels = 3, ImageSize = 8, Latent = 4, Channels = 4 }, new LoomRandom(1)));
        Assert.IsType<VaeModel>(ImageFamilies.Load(dir.Path));
        string manifest = Path.Combine(dir.Path, ModelDirectory.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"latent\": 4", "\"latent\": 0"));
        var e = Assert.Throws<LoomException>(() => new VaeFamily().Load(dir.Path));
        Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
        Assert.Contains("loom.json", e.Message);
        Assert.Contains("latent", e.Message);
    }
}
