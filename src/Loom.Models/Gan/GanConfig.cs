using Loom.Core;
using Loom.Models.Vae;

namespace Loom.Models.Gan;

/// <summary>
/// A DCGAN-style GAN for C×S×S images (S a power of two ≥ 8) with a spectrally normalized discriminator and hinge
/// loss. Every field has a default; `--set` keys are the camelCase field names below (latent, channels, emaDecay,
/// beta1, beta2, discriminatorSteps, discriminatorLrRatio, leakySlope). Saved as loom.json's config.
/// </summary>
public sealed record GanConfig
{
    /// <summary>Image channels (3 RGB, 4 RGBA); taken from the training data.</summary>
    public int ImageChannels { get; init; } = 4;

    /// <summary>Image side; both networks work between it and 4×4, halving or doubling once per level.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Noise dimensions: 64 is plenty for a few thousand small images and keeps the first layer cheap.</summary>
    public int Latent { get; init; } = 64;

    /// <summary>Width at full resolution (the discriminator's first layer, the generator's last hidden one); doubles per level.</summary>
    public int Channels { get; init; } = 32;

    /// <summary>EMA of the generator's weights (what is saved and sampled): averaging over ~1000 steps smooths the G/D oscillation.</summary>
    public float EmaDecay { get; init; } = 0.999f;

    /// <summary>Adam β1 of both optimizers: 0, as SN-GAN/BigGAN use — momentum lags a target that the other network keeps moving.</summary>
    public float Beta1 { get; init; }

    /// <summary>Adam β2 of both optimizers.</summary>
    public float Beta2 { get; init; } = 0.99f;

    /// <summary>Discriminator steps per generator step: 1 with spectral normalization (it keeps D smooth without extra steps).</summary>
    public int DiscriminatorSteps { get; init; } = 1;

    /// <summary>D's learning rate over G's (the two time-scale rule, Heusel et al. 2017): a faster D gives G a useful signal.</summary>
    public float DiscriminatorLrRatio { get; init; } = 2f;

    /// <summary>Negative slope of the discriminator's leaky ReLUs (DCGAN's 0.2).</summary>
    public float LeakySlope { get; init; } = 0.2f;

    /// <summary>Number of halvings from ImageSize to 4.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Levels => System.Numerics.BitOperations.Log2((uint)ImageSize) - 2;

    /// <summary>Throws a LoomException naming the first field that is out of range.</summary>
    public GanConfig Validate()
    {
        FamilySettings.CheckImageShape("gan", ImageChannels, ImageSize, ImageSize);
        if (Latent < 1 || Latent > 4096) throw LoomException.Argument($"gan: latent must be in 1..4096, found {Latent}");
        if (Channels < 1 || Channels > 1024) throw LoomException.Argument($"gan: channels must be in 1..1024, found {Channels}");
        if (!(EmaDecay >= 0 && EmaDecay < 1)) throw LoomException.Argument($"gan: emaDecay must be in [0, 1), found {EmaDecay}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw LoomException.Argument($"gan: beta1 must be in [0, 1), found {Beta1}");
        if (!(Beta2 > 0 && Beta2 < 1)) throw LoomException.Argument($"gan: beta2 must be in (0, 1), found {Beta2}");
        if (DiscriminatorSteps < 1 || DiscriminatorSteps > 16) throw LoomException.Argument($"gan: discriminatorSteps must be in 1..16, found {DiscriminatorSteps}");
        if (!(DiscriminatorLrRatio > 0) || float.IsInfinity(DiscriminatorLrRatio))
            throw LoomException.Argument($"gan: discriminatorLrRatio must be positive, found {DiscriminatorLrRatio}");
        if (!(LeakySlope >= 0 && LeakySlope < 1)) throw LoomException.Argument($"gan: leakySlope must be in [0, 1), found {LeakySlope}");
        return this;
    }

    /// <summary>The config for images of this shape with `--set` overrides; unknown keys are an error naming them.</summary>
    public static GanConfig FromSettings(IReadOnlyDictionary<string, string> settings, int imageChannels, int imageSize)
    {
        const string f = "gan";
        FamilySettings.RejectUnknown(settings, f, "latent", "channels", "emaDecay", "beta1", "beta2", "discriminatorSteps",
            "discriminatorLrRatio", "leakySlope");
        var d = new GanConfig();
        return new GanConfig
        {
            ImageChannels = imageChannels,
            ImageSize = imageSize,
            Latent = FamilySettings.Int(settings, f, "latent", d.Latent),
            Channels = FamilySettings.Int(settings, f, "channels", d.Channels),
            EmaDecay = FamilySettings.Float(settings, f, "emaDecay", d.EmaDecay),
            Beta1 = FamilySettings.Float(settings, f, "beta1", d.Beta1),
            Beta2 = FamilySettings.Float(settings, f, "beta2", d.Beta2),
            DiscriminatorSteps = FamilySettings.Int(settings, f, "discriminatorSteps", d.DiscriminatorSteps),
            DiscriminatorLrRatio = FamilySettings.Float(settings, f, "discriminatorLrRatio", d.DiscriminatorLrRatio),
            LeakySlope = FamilySettings.Float(settings, f, "leakySlope", d.LeakySlope),
        }.Validate();
    }
}
