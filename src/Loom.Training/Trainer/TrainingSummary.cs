using Loom.Nn.Optim;

namespace Loom.Training.Trainer;

/// <summary>How a run ended.</summary>
public enum StopReason
{
    /// <summary>All planned steps ran.</summary>
    Completed,
    /// <summary>The time limit was reached first.</summary>
    TimeLimit,
    /// <summary>The cancellation token fired (Ctrl-C); a checkpoint was saved.</summary>
    Cancelled,
}

/// <summary>
/// The result of <see cref="TrainingLoop.Run"/>: steps done (in all sessions, resumed ones included), the last
/// training and validation losses, throughput, and where the checkpoint is.
/// </summary>
public sealed record TrainingSummary(
    long Steps,
    long PlannedSteps,
    StopReason Stopped,
    float FinalLoss,
    EvalResult? Validation,
    double ItemsPerSecond,
    TimeSpan Elapsed,
    long ResumedFromStep,
    string? CheckpointDirectory)
{
    /// <summary>The moving average of the weights when the options asked for one (copy it into the model to use it).</summary>
    public Ema? Ema { get; init; }
}
