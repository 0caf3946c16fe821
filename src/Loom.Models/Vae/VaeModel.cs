using Loom.Core;
using Loom.Models.Imaging;
using Loom.Tensors;

namespace Loom.Models.Vae;

/// <summary>
/// A trained VAE. Samples decode z ~ N(0, temperature²·I) and show each subpixel's logistic mean (drawing from the
/// logistic too would only add per-pixel noise). Likelihood, anomaly scores and interpolation go through the encoder.
/// </summary>
public sealed class VaeModel(VaeNetwork network) : IImageModel, IImageLikelihood, IImageInterpolator, IImageAnomalyScorer
{
    public VaeNetwork Network { get; } = network;

    public VaeConfig Config => Network.Config;

    public string Family => VaeFamily.FamilyName;
    public int Channels => Config.ImageChannels;
    public int Height => Config.ImageSize;
    public int Width => Config.ImageSize;
    public bool AcceptsPrompt => false;

    /// <summary>Draws of z averaged per image by <see cref="BitsPerDim"/> and <see cref="AnomalyScores"/> (each a valid bound).</summary>
    public int ElboSamples { get; init; } = 1;

    /// <summary>The negative ELBO is an upper bound on −log p(x), not the exact value.</summary>
    public bool IsExact => false;

    public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
    {
        if (request.Prompt is not null) throw LoomException.Argument("vae: this model takes no prompt (it is unconditional)");
        if (request.Count < 1) throw LoomException.Argument($"vae: sample count must be at least 1, found {request.Count}");
        if (!(request.Temperature >= 0) || float.IsInfinity(request.Temperature))
            throw LoomException.Argument($"vae: temperature must be finite and ≥ 0, found {request.Temperature}");
        cancellation.ThrowIfCancellationRequested();
        using var _ = GradMode.NoGrad();
        var z = Tensor.Randn(rng, [request.Count, Config.Latent], 0f, request.Temperature);
        return Pixels(Network.Decode(z).Mean);
    }

    /// <summary>Each image through the posterior mean and back: [n, C, H, W] in [−1, 1].</summary>
    public Tensor Reconstruct(Tensor images)
    {
        CheckImages(images, "images");
        using var _ = GradMode.NoGrad();
        return Pixels(Network.Decode(Network.Encode(images).Mean).Mean);
    }

    /// <summary>Decodes evenly spaced points on the line between the two images' posterior means.</summary>
    public Tensor Interpolate(Tensor from, Tensor to, int steps)
    {
        CheckImages(from, "from");
        CheckImages(to, "to");
        if (from.Size(0) != 1 || to.Size(0) != 1) throw LoomException.Argument("vae: interpolate takes one image at each end ([1, C, H, W])");
        if (steps < 2) throw LoomException.Argument($"vae: interpolation needs at least 2 steps, found {steps}");
        using var _ = GradMode.NoGrad();
        var a = Network.Encode(from).Mean.ToArray();
        var b = Network.Encode(to).Mean.ToArray();
        int latent = a.Length;
        var z = new float[steps * latent];
        for (int s = 0; s < steps; s++)
        {
            float t = s / (float)(steps - 1);
            for (int i = 0; i < latent; i++) z[s * latent + i] = (1 - t) * a[i] + t * b[i];
        }
        return Pixels(Network.Decode(Tensor.FromArray(z, steps, latent)).Mean);
    }

    /// <summary>The negative ELBO (β = 1) of each image in bits/dim: an upper bound on its true code length.</summary>
    public double[] BitsPerDim(Tensor images, LoomRandom rng, CancellationToken cancellation = default)
    {
        int dims = Channels * Height * Width;
        return AnomalyScores(images, rng, cancellation).Select(n => VaeObjective.BitsPerDim(n, dims)).ToArray();
    }

    /// <summary>Negative ELBO (β = 1) of each image in nats: images unlike the training data score higher.</summary>
    public double[] AnomalyScores(Tensor images, LoomRandom rng, CancellationToken cancellation = default)
    {
        CheckImages(images, "images");
        return VaeObjective.Evaluate(Network, images.Contiguous(), rng, ElboSamples, cancellation: cancellation).NegativeElbo;
    }

    private void CheckImages(Tensor images, string name)
    {
        if (images.Rank != 4 || images.Size(1) != Channels || images.Size(2) != Height || images.Size(3) != Width)
            throw LoomException.Shape("vae", $"{name} must be [n, {Channels}, {Height}, {Width}], found {ShapeUtil.Format(images.Shape)}");
    }

    // Decoder means are unbounded; images are [−1, 1].
    private static Tensor Pixels(Tensor mean) => Ops.Clamp(mean, -1f, 1f).Contiguous();
}
