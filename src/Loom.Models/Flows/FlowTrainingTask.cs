using Loom.Core;
using Loom.Nn;
using Loom.Tensors;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Models.Flows;

/// <summary>
/// Maximum likelihood for <see cref="TrainingLoop"/>: each micro-batch draws images (and flips, and dequantization
/// noise) from the loop's generator and its loss is the batch's mean bits/dim, which differs from the mean negative
/// log-likelihood only by a constant factor and offset. Validation is the exact bits/dim of the validation images
/// (of the first <see cref="EvaluationFallbackImages"/> training images when there are none) under fixed noise.
/// </summary>
public sealed class FlowTrainingTask : ITrainingTask
{
    /// <summary>Images evaluated when no validation set is given: enough for a stable figure, few enough to be quick.</summary>
    public const int EvaluationFallbackImages = 256;

    // Fixed dequantization noise for validation: the same images score the same at every evaluation, so the
    // curve shows the model changing, not the noise.
    private const ulong EvaluationNoiseSeed = 0x5EED_F10E;

    private readonly ImageTensorSet _train;
    private readonly ImageTensorSet? _validation;
    private readonly bool _flip;

    public FlowTrainingTask(MultiScaleFlow model, ImageTensorSet train, ImageTensorSet? validation, int batchSize, bool flip)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (batchSize < 1) throw LoomException.Argument($"flow training: batch size must be at least 1, found {batchSize}");
        if (train.Count < 1) throw LoomException.Argument("flow training: the training set has no images");
        RequireShape(model.Config, train, "training");
        if (validation is not null) RequireShape(model.Config, validation, "validation");
        Model = model;
        _train = train;
        _validation = validation is { Count: > 0 } ? validation : null;
        BatchSize = batchSize;
        _flip = flip;
    }

    public MultiScaleFlow Model { get; }

    Module ITrainingTask.Model => Model;

    public int BatchSize { get; }

    public long ItemsPerMicroBatch => BatchSize;

    public string ItemName => "images";

    public Tensor ComputeLoss(LoomRandom rng)
    {
        var indices = new int[BatchSize];
        for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(_train.Count);
        var pixels = _train.Batch(indices, _flip ? rng : null);
        var x = Dequantization.ToFlowSpace(pixels, rng);
        return Dequantization.BitsPerDimLoss(Model.LogLikelihood(x), Model.Config.Dimensions);
    }

    public EvalResult Evaluate(CancellationToken cancellation)
    {
        var data = _validation ?? _train;
        int count = _validation is null ? Math.Min(_train.Count, EvaluationFallbackImages) : data.Count;
        double bits = Evaluate(Model, data, count, BatchSize, cancellation);
        return new EvalResult(bits, count, new Dictionary<string, double> { ["valBitsPerDim"] = bits });
    }

    /// <summary>Mean bits/dim of the first <paramref name="count"/> images of <paramref name="data"/> under fixed noise, without gradients.</summary>
    public static double Evaluate(MultiScaleFlow model, ImageTensorSet data, int count, int batchSize, CancellationToken cancellation = default)
    {
        using var _ = GradMode.NoGrad();
        var noise = new LoomRandom(EvaluationNoiseSeed);
        double sum = 0;
        for (int start = 0; start < count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var indices = Enumerable.Range(start, Math.Min(batchSize, count - start)).ToArray();
            var x = Dequantization.ToFlowSpace(data.Batch(indices), noise);
            foreach (float logLikelihood in model.LogLikelihood(x).ToArray())
                sum += Dequantization.BitsPerDim(logLikelihood, model.Config.Dimensions);
        }
        return sum / count;
    }

    private static void RequireShape(FlowConfig config, ImageTensorSet images, string which)
    {
        if (images.Channels != config.Channels || images.Height != config.Height || images.Width != config.Width)
            throw LoomException.Argument($"flow training: the {which} images are {images.Channels}×{images.Height}×{images.Width} " +
                $"(channels × height × width) but the model expects {config.Channels}×{config.Height}×{config.Width}");
    }
}
