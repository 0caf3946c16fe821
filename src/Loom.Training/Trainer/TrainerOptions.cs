using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Training.Trainer;

/// <summary>
/// How <see cref="TrainingLoop"/> trains. Every field has a default that suits a small model on a CPU; the checkpoint
/// stores the options so a resumed run uses the same ones.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Optimizer steps (the cosine reaches <see cref="MinLearningRate"/> at the last); null: as many as
    /// <see cref="MaxMinutes"/> allows, planned from the measured speed as the run goes.</summary>
    public long? Steps { get; init; } = 1000;

    /// <summary>Stop after this much wall-clock time in this invocation (a checkpoint is saved); null: no limit.</summary>
    public double? MaxMinutes { get; init; }

    /// <summary>Peak AdamW learning rate, reached after warmup.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Where the cosine ends; null: a tenth of the peak (the Chinchilla/nanoGPT habit).</summary>
    public float? MinLearningRate { get; init; }

    /// <summary>Linear warmup: Adam's moment estimates are noisy at first, so full-size steps wait for them.</summary>
    public long WarmupSteps { get; init; } = 100;

    /// <summary>AdamW decoupled decay; never applied to biases and norm gains (rank &lt; 2 parameters).</summary>
    public float WeightDecay { get; init; } = 0.1f;

    public float Beta1 { get; init; } = 0.9f;

    /// <summary>0.99 rather than 0.999: small models with small batches see noisy gradients (nanoGPT's choice).</summary>
    public float Beta2 { get; init; } = 0.99f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Clip the global gradient norm to this; null: no clipping (the norm is still logged).</summary>
    public float? ClipNorm { get; init; } = 1f;

    /// <summary>Micro-batches whose gradients are summed (each loss scaled by 1/n) before one optimizer step.</summary>
    public int GradAccumulation { get; init; } = 1;

    /// <summary>
    /// Run a step's <see cref="GradAccumulation"/> micro-batches at the same time, one per kernel thread, each with
    /// single-threaded kernels, when the task supports it (<see cref="IConcurrentMicroBatchTask"/>). For small models,
    /// whose ops are too small to split across cores. Results do not depend on the thread count; dropout masks are
    /// drawn differently than in the default mode, so the two modes give different (equally valid) runs.
    /// </summary>
    public bool ConcurrentMicroBatches { get; init; }

    /// <summary>Evaluate every this many steps (and always at the end); 0: only at the end.</summary>
    public long EvalEvery { get; init; } = 250;

    /// <summary>Checkpoint every this many steps (and always at the end and on cancellation); 0: only then.</summary>
    public long CheckpointEvery { get; init; } = 500;

    /// <summary>Seeds the loop's generator: which examples each micro-batch draws.</summary>
    public ulong Seed { get; init; } = 1337;

    /// <summary>Where checkpoint/ and metrics.jsonl go; null: nothing is written (tests, demos).</summary>
    public string? OutDir { get; init; }

    /// <summary>Keep an exponential moving average of the weights with this decay; null: none.</summary>
    public float? EmaDecay { get; init; }

    /// <summary>Continue from OutDir/checkpoint when one exists (exactly: same losses as an uninterrupted run).</summary>
    [JsonIgnore]
    public bool Resume { get; init; }

    /// <summary>
    /// What the caller wants saved with each checkpoint about the run (the CLI keeps its data, tokenizer and model
    /// choices here, so <c>--resume</c> needs no repeats); read back with <see cref="Checkpoint.ReadManifest"/>.
    /// </summary>
    [JsonIgnore]
    public JsonObject? Run { get; init; }

    /// <summary>The schedule's end: <see cref="MinLearningRate"/> or a tenth of the peak.</summary>
    [JsonIgnore]
    public float EffectiveMinLearningRate => MinLearningRate ?? LearningRate / 10;

    /// <summary>Throws a LoomException naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (Steps is null && MaxMinutes is null) throw LoomException.Argument("train: give a number of steps, a time limit in minutes, or both");
        if (Steps is < 1) throw LoomException.Argument($"train: steps must be at least 1, found {Steps}");
        if (MaxMinutes is { } minutes && !(minutes > 0)) throw LoomException.Argument($"train: minutes must be positive, found {minutes}");
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) throw LoomException.Argument($"train: learning rate must be positive, found {LearningRate}");
        if (!(EffectiveMinLearningRate >= 0 && EffectiveMinLearningRate <= LearningRate))
            throw LoomException.Argument($"train: min learning rate must be in [0, {LearningRate}], found {EffectiveMinLearningRate}");
        if (WarmupSteps < 0) throw LoomException.Argument($"train: warmup steps must be non-negative, found {WarmupSteps}");
        if (Steps is { } steps && WarmupSteps > steps) throw LoomException.Argument($"train: warmup ({WarmupSteps} steps) is longer than the run ({steps} steps)");
        if (GradAccumulation < 1) throw LoomException.Argument($"train: gradient accumulation must be at least 1, found {GradAccumulation}");
        if (EvalEvery < 0 || CheckpointEvery < 0)
            throw LoomException.Argument($"train: eval-every and checkpoint-every must be non-negative, found {EvalEvery}, {CheckpointEvery}");
        if (ClipNorm is { } clip && !(clip > 0)) throw LoomException.Argument($"train: clip norm must be positive, found {clip}");
        if (EmaDecay is { } ema && !(ema >= 0 && ema <= 1)) throw LoomException.Argument($"train: EMA decay must be in [0, 1], found {ema}");
        if (Resume && OutDir is null) throw LoomException.Argument("train: resuming needs an output directory (it holds the checkpoint)");
    }
}
