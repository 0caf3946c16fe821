using Loom.Core;
using Loom.Nn;
using Loom.Tensors;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Models.Vae;

/// <summary>
/// The VAE as a <see cref="TrainingLoop"/> task: each micro-batch draws images with replacement (and their flips and
/// the reparameterization noise) from the loop's generator; the loss is the β-weighted negative ELBO in nats/image.
/// Validation reports the β = 1 negative ELBO in nats/image as the loss, and bits/dim, reconstruction and KL in Extra.
/// </summary>
public sealed class VaeTrainingTask(VaeNetwork network, ImageTensorSet train, ImageTensorSet? validation, int batchSize, bool flip)
    : ITrainingTask
{
    /// <summary>Validation draws its z from this fixed seed, so the figure is deterministic and comparable between evaluations.</summary>
    public const ulong EvaluationSeed = 0x5eed_e1b0;

    private readonly int[] _indices = new int[batchSize];

    public Module Model => network;

    public long ItemsPerMicroBatch => batchSize;

    public string ItemName => "images";

    public Tensor ComputeLoss(LoomRandom rng)
    {
        for (int i = 0; i < _indices.Length; i++) _indices[i] = rng.NextInt(train.Count);
        var images = train.Batch(_indices, flip ? rng : null);
        return VaeObjective.Loss(network, images, rng);
    }

    public EvalResult Evaluate(CancellationToken cancellation)
    {
        var set = validation is { Count: > 0 } ? validation : train;
        var images = Tensor.FromArray(set.Pixels, set.Count, set.Channels, set.Height, set.Width);
        var (elbo, reconstruction, kl) = VaeObjective.Evaluate(network, images, new LoomRandom(EvaluationSeed), cancellation: cancellation);
        double mean = elbo.Average();
        return new EvalResult(mean, set.Count, new Dictionary<string, double>
        {
            ["valBitsPerDim"] = VaeObjective.BitsPerDim(mean, set.ImageSize),
            ["valReconstructionNats"] = reconstruction,
            ["valKlNats"] = kl,
        });
    }
}
