using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// What <see cref="TrainingLoop"/> trains: a model, a loss on one random micro-batch, and a validation loss. Every
/// family (language model, VAE, diffusion, …) implements it once; the loop owns the optimizer, schedule, clipping,
/// accumulation, evaluation cadence, metrics log and checkpoints.
/// </summary>
public interface ITrainingTask
{
    /// <summary>The module whose parameters are trained and saved in checkpoints.</summary>
    Module Model { get; }

    /// <summary>
    /// The mean loss of one training micro-batch as a one-element tensor with its graph. Every random choice (which
    /// examples, noise, dropout masks) must be drawn from <paramref name="rng"/> or from a generator listed in
    /// <see cref="RandomStreams"/>: the loop checkpoints those, which is what makes a resumed run exact.
    /// </summary>
    Tensor ComputeLoss(LoomRandom rng);

    /// <summary>
    /// The validation loss over the whole validation set, deterministic (no randomness). The loop calls it with the
    /// model in eval mode and gradients off, so implementations need do neither. Check
    /// <paramref name="cancellation"/> between batches: a long evaluation must not block Ctrl-C.
    /// </summary>
    EvalResult Evaluate(CancellationToken cancellation);

    /// <summary>Items (tokens, images, rows) in one micro-batch, for the throughput figure.</summary>
    long ItemsPerMicroBatch { get; }

    /// <summary>What an item is, for progress and logs ("tokens", "images").</summary>
    string ItemName => "tokens";

    /// <summary>
    /// True when no tensor that <see cref="ComputeLoss"/> makes is read after the step (the model caches no op output):
    /// the loop may then recycle op storage from one step to the next (<see cref="StorageArena"/>), which spares the
    /// garbage collector most of a small model's step. Gradients reach the parameters by copy either way.
    /// </summary>
    bool RecyclesStepStorage => false;

    /// <summary>Generators the task owns besides the loop's (a model's dropout stream), saved and restored with checkpoints.</summary>
    IEnumerable<(string Name, LoomRandom Random)> RandomStreams => [];

    /// <summary>
    /// State that is neither weights nor a generator but decides what later steps see (batches drawn ahead and not
    /// yet used, a position in an epoch), saved with checkpoints; null when there is none.
    /// </summary>
    JsonObject? SaveState() => null;

    /// <summary>Restores what <see cref="SaveState"/> returned, when a run resumes.</summary>
    void LoadState(JsonObject state)
    {
    }
}

/// <summary>
/// A validation result: the mean <paramref name="Loss"/> (per item: nats/token for language models) over
/// <paramref name="Items"/> items, and optional extra figures written beside it in the metrics log.
/// </summary>
public sealed record EvalResult(double Loss, long Items, IReadOnlyDictionary<string, double>? Extra = null);
