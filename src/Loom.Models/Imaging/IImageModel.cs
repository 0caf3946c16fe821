using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Imaging;

/// <summary>
/// A trained image model, read from its directory. Images are [n, C, H, W] tensors in [-1, 1] (C = 3 RGB or 4 RGBA),
/// the same convention as <see cref="Loom.Training.Images.ImageTensorSet"/>. Optional abilities are separate
/// interfaces (<see cref="IImageLikelihood"/>, <see cref="IImageInpainter"/>, <see cref="IImageInterpolator"/>,
/// <see cref="IImageAnomalyScorer"/>) so callers test for them and report clearly when a family lacks one.
/// </summary>
public interface IImageModel
{
    /// <summary>The family's name ("vae", …), as in loom.json.</summary>
    string Family { get; }

    int Channels { get; }
    int Height { get; }
    int Width { get; }

    /// <summary>Whether <see cref="ImageSampleRequest.Prompt"/> conditions sampling (a caption-conditioned model).</summary>
    bool AcceptsPrompt { get; }

    /// <summary>
    /// Draws <see cref="ImageSampleRequest.Count"/> images. The same request and generator state give the same images.
    /// A prompt given to a model that takes none is an error, not silently ignored.
    /// </summary>
    Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default);
}

/// <summary>
/// How to sample: how many, and the knobs families share. Families ignore what does not apply to them only where
/// that is harmless (a flow has no steps); <see cref="IImageModel.Sample"/> rejects a prompt it cannot use.
/// </summary>
public sealed record ImageSampleRequest
{
    public int Count { get; init; } = 1;

    /// <summary>A caption to condition on (diffusion); null: unconditional.</summary>
    public string? Prompt { get; init; }

    /// <summary>Classifier-free guidance scale: 0 = unconditional, 1 = conditional, &gt;1 = pushed toward the prompt.</summary>
    public float Guidance { get; init; }

    /// <summary>Sampling steps for iterative samplers (diffusion); null: the model's default.</summary>
    public int? Steps { get; init; }

    /// <summary>"ddpm" or "ddim" for diffusion; null: the model's default.</summary>
    public string? Sampler { get; init; }

    /// <summary>Scale of the latent/base noise (flows, VAE, GAN): below 1 trades variety for typicality.</summary>
    public float Temperature { get; init; } = 1f;
}

/// <summary>A model with a likelihood: bits per dimension of each image (exact for flows, an upper bound for the VAE).</summary>
public interface IImageLikelihood
{
    /// <summary>True when <see cref="BitsPerDim"/> is exact (flows); false when it is a bound (the VAE's negative ELBO).</summary>
    bool IsExact { get; }

    /// <summary>Bits per dimension of each image, with 8-bit dequantization (uniform noise / discretized likelihood).</summary>
    double[] BitsPerDim(Tensor images, LoomRandom rng, CancellationToken cancellation = default);
}

/// <summary>Fills the masked part of an image consistently with the rest (diffusion).</summary>
public interface IImageInpainter
{
    /// <param name="image">[1, C, H, W] in [-1, 1].</param>
    /// <param name="mask">[1, 1, H, W]: 1 where pixels are regenerated, 0 where the image is kept.</param>
    Tensor Inpaint(Tensor image, Tensor mask, ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default);
}

/// <summary>Images on the path between two images through the model's latent space (VAE, flow).</summary>
public interface IImageInterpolator
{
    /// <summary>[steps, C, H, W]: the first is <paramref name="from"/>'s reconstruction, the last <paramref name="to"/>'s.</summary>
    Tensor Interpolate(Tensor from, Tensor to, int steps);
}

/// <summary>Scores how unusual each image is to the model (VAE: negative ELBO in nats); higher = more anomalous.</summary>
public interface IImageAnomalyScorer
{
    double[] AnomalyScores(Tensor images, LoomRandom rng, CancellationToken cancellation = default);
}
