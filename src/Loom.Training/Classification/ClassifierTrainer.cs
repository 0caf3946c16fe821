using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Training.Classification;

/// <summary>How to train a classifier; every field has a default that suits the small built-in data sets.</summary>
public sealed record ClassifierTrainingOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per optimizer step; the last, shorter batch of an epoch is kept.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak AdamW learning rate, reached after warmup and decayed by a cosine to a tenth of it.</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Linear warmup steps: Adam's first moments are noisy, so full-size steps wait for them.</summary>
    public int WarmupSteps { get; init; } = 20;

    /// <summary>AdamW decoupled weight decay (never applied to biases and norm gains).</summary>
    public float WeightDecay { get; init; } = 0f;

    /// <summary>Clip the global gradient norm to this; null for no clipping.</summary>
    public float? ClipNorm { get; init; } = 1f;
}

/// <summary>Where training is: sent to the progress callback after every step.</summary>
public readonly record struct TrainingProgress(int Step, int TotalSteps, float Loss, float BatchAccuracy);

/// <summary>
/// The plain supervised loop for a module that maps inputs to class logits: mini-batches in a seeded order,
/// cross-entropy, backward, optional clipping, AdamW with warmup + cosine. Deterministic for a given generator
/// state and thread count.
/// </summary>
public static class ClassifierTrainer
{
    public static void Train(Module model, ClassificationData data, ClassifierTrainingOptions options, LoomRandom rng,
        Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (options.Epochs < 0 || options.BatchSize < 1)
            throw LoomException.Argument($"train: need epochs ≥ 0 and batch size ≥ 1, found {options.Epochs}, {options.BatchSize}");
        int stepsPerEpoch = (data.Count + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = options.Epochs * stepsPerEpoch;
        var optimizer = new AdamW(model.NamedParameters(), options.LearningRate, weightDecay: options.WeightDecay);
        model.Train();
        int step = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            foreach (var (inputs, labels) in data.Batches(options.BatchSize, rng))
            {
                cancellation.ThrowIfCancellationRequested();
                optimizer.LearningRate = LrSchedule.WarmupCosine(step, Math.Min(options.WarmupSteps, totalSteps), totalSteps,
                    options.LearningRate, options.LearningRate / 10);
                var (loss, logits) = Step(model, optimizer, inputs, labels, options.ClipNorm);
                step++;
                progress?.Invoke(new TrainingProgress(step, totalSteps, loss, Accuracy(Ops.ArgMax(logits, 1), labels)));
            }
        }
        model.Eval();
    }

    /// <summary>
    /// One optimizer step on one batch: forward, mean cross-entropy, backward, optional clipping, update. Returns
    /// the loss and the (detached) logits. The graph is dropped when this returns.
    /// </summary>
    public static (float Loss, Tensor Logits) Step(Module model, Optimizer optimizer, Tensor inputs, int[] labels, float? clipNorm = null)
    {
        var logits = model.Forward(inputs);
        var loss = Ops.CrossEntropy(logits, labels);
        optimizer.ZeroGrad();
        loss.Backward();
        if (clipNorm is { } clip) GradClip.ClipGlobalNorm(optimizer.Parameters.Select(p => p.Parameter), clip);
        optimizer.Step();
        return (loss.Item(), logits.Detach());
    }

    /// <summary>The most likely class of each row of <paramref name="inputs"/>, in eval mode and without a graph.</summary>
    public static int[] Predict(Module model, Tensor inputs, int batchSize = 512)
    {
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            int n = inputs.Size(0);
            var predictions = new int[n];
            for (int start = 0; start < n; start += batchSize)
            {
                int length = Math.Min(batchSize, n - start);
                Ops.ArgMax(model.Forward(inputs.Slice(0, start, length)), 1).CopyTo(predictions, start);
            }
            return predictions;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Fraction of <paramref name="data"/> the model classifies correctly.</summary>
    public static float Accuracy(Module model, ClassificationData data) => Accuracy(Predict(model, data.Inputs), data.Labels);

    public static float Accuracy(int[] predictions, int[] labels)
    {
        if (predictions.Length != labels.Length)
            throw LoomException.Shape("accuracy", $"{predictions.Length} predictions for {labels.Length} labels");
        if (labels.Length == 0) return 0f;
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predictions[i] == labels[i]) correct++;
        return (float)correct / labels.Length;
    }

    /// <summary>counts[truth, predicted].</summary>
    public static int[,] ConfusionMatrix(int[] labels, int[] predictions, int classes)
    {
        var counts = new int[classes, classes];
        for (int i = 0; i < labels.Length; i++) counts[labels[i], predictions[i]]++;
        return counts;
    }
}
