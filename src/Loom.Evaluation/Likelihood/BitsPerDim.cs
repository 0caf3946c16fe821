using Loom.Core;
using Loom.Models.Imaging;
using Loom.Training.Images;

namespace Loom.Evaluation.Likelihood;

/// <summary>The mean bits per dimension a model gives a set of images, and whether it is exact or an upper bound.</summary>
/// <param name="Mean">Mean over the images of each image's bits per dimension.</param>
/// <param name="IsExact">True for exact likelihoods (flows); false for bounds (the VAE's negative ELBO).</param>
/// <param name="Count">Images measured.</param>
public sealed record BitsPerDimResult(double Mean, bool IsExact, int Count)
{
    /// <summary>"exact" or "bound", as results print it.</summary>
    public string Kind => IsExact ? "exact" : "bound";
}

/// <summary>Bits per dimension of an <see cref="ImageTensorSet"/> under a model with a likelihood.</summary>
public static class BitsPerDim
{
    /// <summary>
    /// Runs <paramref name="likelihood"/> over <paramref name="images"/> in batches of <paramref name="batchSize"/> and
    /// averages the per-image values. The images must already have the model's channels and size.
    /// </summary>
    public static BitsPerDimResult Mean(IImageLikelihood likelihood, ImageTensorSet images, LoomRandom rng,
        int batchSize = 64, CancellationToken cancellation = default)
    {
        if (batchSize < 1) throw LoomException.Argument($"bits/dim: batch size must be at least 1, found {batchSize}");
        if (images.Count == 0) throw LoomException.Argument("bits/dim: the image set is empty");
        double sum = 0;
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, images.Count - start);
            var indices = Enumerable.Range(start, n).ToArray();
            double[] values = likelihood.BitsPerDim(images.Batch(indices), rng, cancellation);
            if (values.Length != n)
                throw LoomException.Argument($"bits/dim: the model returned {values.Length} values for a batch of {n} images");
            foreach (double v in values) sum += v;
        }
        return new BitsPerDimResult(sum / images.Count, likelihood.IsExact, images.Count);
    }
}
