using Loom.Core;

namespace Loom.Models.Vae;

/// <summary>
/// A convolutional VAE for C×S×S images (S a power of two ≥ 8). Every field has a default; `--set` keys are
/// "latent", "channels" and "beta". Saved as loom.json's config.
/// </summary>
public sealed record VaeConfig
{
    /// <summary>Image channels (3 RGB, 4 RGBA); taken from the training data.</summary>
    public int ImageChannels { get; init; } = 4;

    /// <summary>Image side; the encoder halves it with stride-2 convolutions down to 4×4 (32 → 3 levels).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Latent dimensions: 64 holds a 32×32 emoji's shape and colour without starving the decoder.</summary>
    public int Latent { get; init; } = 64;

    /// <summary>Width of the first convolution; it doubles at each level. 32 keeps a step near a tenth of a second on 2 cores.</summary>
    public int Channels { get; init; } = 32;

    /// <summary>Weight of the KL term in training (β-VAE); 1 is the true ELBO. Bits/dim are always reported with β = 1.</summary>
    public float Beta { get; init; } = 1f;

    /// <summary>Floor of the logistic's log scale: below it a bin's mass is ~1 anyway, and gradients there only add noise.</summary>
    public float MinLogScale { get; init; } = -7f;

    /// <summary>8-bit data: the discretized logistic spreads probability over this many values per subpixel.</summary>
    public int Bins { get; init; } = 256;

    /// <summary>Number of halvings from ImageSize to 4.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Levels => System.Numerics.BitOperations.Log2((uint)ImageSize) - 2;

    /// <summary>Throws a LoomException naming the first field that is out of range.</summary>
    public VaeConfig Validate()
    {
        FamilySettings.CheckImageShape("vae", ImageChannels, ImageSize, ImageSize);
        if (Latent < 1 || Latent > 4096) throw LoomException.Argument($"vae: latent must be in 1..4096, found {Latent}");
        if (Channels < 1 || Channels > 1024) throw LoomException.Argument($"vae: channels must be in 1..1024, found {Channels}");
        if (!(Beta >= 0) || float.IsInfinity(Beta)) throw LoomException.Argument($"vae: beta must be a finite number ≥ 0, found {Beta}");
        if (!float.IsFinite(MinLogScale)) throw LoomException.Argument($"vae: minLogScale must be finite, found {MinLogScale}");
        if (Bins < 2) throw LoomException.Argument($"vae: bins must be at least 2, found {Bins}");
        return this;
    }

    /// <summary>The config for images of this shape with `--set` overrides; unknown keys are an error naming them.</summary>
    public static VaeConfig FromSettings(IReadOnlyDictionary<string, string> settings, int imageChannels, int imageSize)
    {
        FamilySettings.RejectUnknown(settings, "vae", "latent", "channels", "beta");
        var defaults = new VaeConfig();
        return new VaeConfig
        {
            ImageChannels = imageChannels,
            ImageSize = imageSize,
            Latent = FamilySettings.Int(settings, "vae", "latent", defaults.Latent),
            Channels = FamilySettings.Int(settings, "vae", "channels", defaults.Channels),
            Beta = FamilySettings.Float(settings, "vae", "beta", defaults.Beta),
        }.Validate();
    }
}
