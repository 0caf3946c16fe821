using Loom.Core;
using Loom.Evaluation.Likelihood;
using Loom.Models.Imaging;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Evaluation.Images;

/// <summary>How <see cref="ImageEvaluation.Run"/> samples and measures.</summary>
public sealed record ImageEvaluationOptions
{
    /// <summary>Images to generate; null: as many as the real set has.</summary>
    public int? GeneratedCount { get; init; }

    /// <summary>Seeds sampling and the likelihood's dequantization noise: the same seed gives the same result.</summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>Images drawn per call to the model.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Neighbourhood size of the precision/recall manifolds.</summary>
    public int K { get; init; } = PrecisionRecall.DefaultK;

    /// <summary>How to sample (prompt, guidance, steps, sampler, temperature); its Count is ignored.</summary>
    public ImageSampleRequest Sampling { get; init; } = new();

    /// <summary>Whether to measure bits/dim on the real set when the model has a likelihood.</summary>
    public bool BitsPerDim { get; init; } = true;
}

/// <summary>What <see cref="ImageEvaluation.Run"/> measured. FD, precision and recall hold only for <see cref="FeaturesVersion"/>.</summary>
public sealed record ImageEvaluationResult(
    string FeaturesVersion,
    int RealCount,
    int GeneratedCount,
    double FrechetDistance,
    double Precision,
    double Recall,
    int K,
    BitsPerDimResult? BitsPerDim);

/// <summary>
/// Measures an image model against real images: it samples, embeds both sets with <see cref="ImageFeatures"/>, and
/// reports the Fréchet distance, precision and recall, plus the real set's bits/dim when the model has a likelihood.
/// </summary>
public static class ImageEvaluation
{
    public static ImageEvaluationResult Run(IImageModel model, ImageTensorSet real, ImageEvaluationOptions? options = null,
        CancellationToken cancellation = default)
    {
        options ??= new ImageEvaluationOptions();
        int count = options.GeneratedCount ?? real.Count;
        if (count < 2) throw LoomException.Argument($"image evaluation: need at least 2 generated images, asked for {count}");
        if (real.Count < 2) throw LoomException.Argument($"image evaluation: need at least 2 real images, found {real.Count}");
        if (options.BatchSize < 1) throw LoomException.Argument($"image evaluation: batch size must be at least 1, found {options.BatchSize}");

        // Independent generators for sampling and likelihood, so measuring bits/dim never changes the samples.
        var root = new LoomRandom(options.Seed);
        var sampling = root.Fork();
        var noise = root.Fork();

        var realFeatures = ImageFeatures.Extract(real, cancellation);
        var generated = Sample(model, count, options, sampling, cancellation);
        var generatedFeatures = ImageFeatures.Extract(generated, cancellation);

        double fd = FrechetDistance.Between(realFeatures, generatedFeatures);
        var pr = PrecisionRecall.Compute(realFeatures, generatedFeatures, options.K, cancellation);

        BitsPerDimResult? bpd = null;
        if (options.BitsPerDim && model is IImageLikelihood likelihood)
        {
            if (real.Channels != model.Channels || real.Height != model.Height || real.Width != model.Width)
                throw LoomException.Argument($"image evaluation: bits/dim needs images of the model's shape {model.Channels}×{model.Height}×{model.Width}, found {real.Channels}×{real.Height}×{real.Width}");
            bpd = Likelihood.BitsPerDim.Mean(likelihood, real, noise, options.BatchSize, cancellation);
        }
        return new ImageEvaluationResult(ImageFeatures.Version, real.Count, count, fd, pr.Precision, pr.Recall, pr.K, bpd);
    }

    /// <summary>Draws <paramref name="count"/> images in batches: [count, C, H, W].</summary>
    public static Tensor Sample(IImageModel model, int count, ImageEvaluationOptions options, LoomRandom rng, CancellationToken cancellation = default)
    {
        int size = model.Channels * model.Height * model.Width;
        var pixels = new float[count * size];
        for (int start = 0; start < count; start += options.BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(options.BatchSize, count - start);
            var batch = model.Sample(options.Sampling with { Count = n }, rng, cancellation).Contiguous();
            if (batch.Length != (long)n * size)
                throw LoomException.Shape("image evaluation", $"the {model.Family} model returned {batch.Length} values for {n} images of {model.Channels}×{model.Height}×{model.Width}");
            batch.AsSpan().CopyTo(pixels.AsSpan(start * size));
        }
        // A diverging sampler (a flow's inverse at a high temperature) yields NaN/∞ pixels; statistics of those are
        // meaningless and crash the eigendecomposition, so say so instead of reporting a number.
        int broken = CountNonFiniteImages(pixels, size);
        if (broken > 0)
            throw LoomException.Argument($"image evaluation: the {model.Family} model produced {broken} of {count} images with NaN or infinite pixels" +
                (options.Sampling.Temperature > 0.7f ? $" at temperature {options.Sampling.Temperature}; try a lower --temperature (e.g. 0.7)" : ""));
        return Tensor.FromArray(pixels, count, model.Channels, model.Height, model.Width);
    }

    private static int CountNonFiniteImages(ReadOnlySpan<float> pixels, int size)
    {
        int broken = 0;
        for (int start = 0; start < pixels.Length; start += size)
            if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(pixels.Slice(start, size)))) broken++;
        return broken;
    }
}
