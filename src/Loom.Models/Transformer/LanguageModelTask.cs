using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Nn;
using Loom.Nn.Lora;
using Loom.Tensors;
using Loom.Training.Text;
using Loom.Training.Trainer;

namespace Loom.Models.Transformer;

/// <summary>
/// Next-token prediction for <see cref="TrainingLoop"/>: each micro-batch is drawn from the training tokens with the
/// loop's generator; the model's dropout generator is listed so checkpoints carry it; validation is the mean
/// nats/token over every target of the validation split, with bits/char and perplexity beside it.
/// </summary>
public sealed class LanguageModelTask : IConcurrentMicroBatchTask
{
    private readonly ITokenDataset _train;
    private readonly ITokenDataset _validation;
    private readonly LengthBucketedSampler? _bucketed;

    /// <param name="bucketLines">In lines mode, batch lines of similar length together (<see cref="LengthBucketedSampler"/>): far
    /// less padding for the same uniformly drawn lines.</param>
    public LanguageModelTask(TransformerLm model, ITokenDataset train, ITokenDataset validation, int batchSize, bool bucketLines = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (batchSize < 1) throw LoomException.Argument($"language model training: batch size must be at least 1, found {batchSize}");
        if (train.ContextLength > model.Config.ContextLength || validation.ContextLength > model.Config.ContextLength)
            throw LoomException.Argument(
                $"language model training: the data is cut into sequences of {Math.Max(train.ContextLength, validation.ContextLength)} tokens, " +
                $"longer than the model's context of {model.Config.ContextLength}");
        Model = model;
        _train = train;
        _validation = validation;
        BatchSize = batchSize;
        _bucketed = bucketLines && train is LineDataset lines ? new LengthBucketedSampler(lines) : null;
    }


    public TransformerLm Model { get; }

    Module ITrainingTask.Model => Model;

    public int BatchSize { get; }

    public long ItemsPerMicroBatch => (long)Math.Round(BatchSize * _train.TargetsPerExample);

    public string ItemName => "tokens";

    // The transformer caches no op output between steps (generation's KV cache is not used in training).
    public bool RecyclesStepStorage => true;

    public IEnumerable<(string Name, LoomRandom Random)> RandomStreams => [("dropout", Model.DropoutRandom)];

    /// <summary>One training micro-batch drawn from <paramref name="rng"/> (what <see cref="ComputeLoss"/> trains on).</summary>
    public TokenBatch Sample(LoomRandom rng) => _bucketed?.Next(rng, BatchSize) ?? _train.Sample(rng, BatchSize);

    public JsonObject? SaveState() => _bucketed?.SaveState();

    public void LoadState(JsonObject state) => _bucketed?.LoadState(state);

    public Tensor ComputeLoss(LoomRandom rng)
    {
        var batch = Sample(rng);
        return Model.Loss(batch.Inputs, batch.Targets, batch.BatchSize, batch.Length, TokenBatch.IgnoreIndex);
    }

    /// <summary>LoRA adapters with dropout draw their masks from a generator of their own, shared by every forward pass.</summary>
    public bool CanRunMicroBatchesConcurrently => !Model.NamedModules().Any(m => m.Module is LoraLinear { Dropout: > 0 });

    public Func<Tensor> PrepareLoss(LoomRandom rng)
    {
        var batch = Sample(rng);
        // A generator per micro-batch, forked in order from the model's stream (which checkpoints carry).
        LoomRandom? dropout = Model.Training && Model.Config.UsesDropout ? Model.DropoutRandom.Fork() : null;
        return () => Model.Loss(batch.Inputs, batch.Targets, batch.BatchSize, batch.Length, TokenBatch.IgnoreIndex, dropout);
    }

    public EvalResult Evaluate(CancellationToken cancellation) => Evaluate(Model, _validation, BatchSize, cancellation);

    /// <summary>
    /// Mean nats per token of <paramref name="model"/> over every target of <paramref name="data"/> (in eval mode,
    /// without gradients), with "valBitsPerChar" (nats over all targets ÷ characters ÷ ln 2) and "valPerplexity".
    /// </summary>
    public static EvalResult Evaluate(TransformerLm model, ITokenDataset data, int batchSize, CancellationToken cancellation = default)
    {
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            double nats = 0;
            long targets = 0;
            foreach (var batch in data.EvaluationBatches(batchSize))
            {
                cancellation.ThrowIfCancellationRequested();
                int count = batch.TargetCount;
                if (count == 0) continue;
                float mean = model.Loss(batch.Inputs, batch.Targets, batch.BatchSize, batch.Length, TokenBatch.IgnoreIndex).Item();
                nats += (double)mean * count;
                targets += count;
            }
            double perToken = nats / targets;
            return new EvalResult(perToken, targets, new Dictionary<string, double>
            {
                ["valBitsPerChar"] = data.CharacterCount > 0 ? nats / data.CharacterCount / Math.Log(2) : double.NaN,
                ["valPerplexity"] = Math.Exp(perToken),
            });
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
