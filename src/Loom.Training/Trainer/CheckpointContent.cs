using System.Text.Json.Nodes;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// Everything a run needs to continue exactly where it stopped: the weights, the optimizer's moments and step
/// counts, the EMA weights, every generator's state, the step, the planned length of the schedule, the options and
/// whatever the caller stored about the run (<see cref="Run"/>: the CLI keeps its data and model choices there).
/// </summary>
public sealed record CheckpointContent
{
    /// <summary>Optimizer steps completed.</summary>
    public required long Step { get; init; }

    /// <summary>Total steps of the learning-rate schedule.</summary>
    public required long PlannedSteps { get; init; }

    /// <summary>Training time in all sessions so far, in seconds.</summary>
    public required double ElapsedSeconds { get; init; }

    public required IReadOnlyDictionary<string, Tensor> Model { get; init; }

    public required OptimizerState Optimizer { get; init; }

    /// <summary>The EMA weights and how many updates they hold; null when the run keeps none.</summary>
    public (IReadOnlyDictionary<string, Tensor> Weights, long Updates)? Ema { get; init; }

    /// <summary>The loop's generator (<see cref="LoomRandom.GetState"/>).</summary>
    public required ulong[] LoopRandom { get; init; }

    /// <summary>The task's own generators, by name.</summary>
    public required IReadOnlyDictionary<string, ulong[]> TaskRandoms { get; init; }

    /// <summary>The task's own state (<see cref="ITrainingTask.SaveState"/>), if it has any.</summary>
    public JsonObject? TaskState { get; init; }

    public required TrainerOptions Options { get; init; }

    public JsonObject? Run { get; init; }
}
