namespace Loom.Training.Trainer;

/// <summary>
/// Where a run is, sent to the progress callback after every step. <see cref="ValLoss"/> is the latest validation
/// loss (null before the first evaluation); <see cref="Evaluating"/> is true while one runs.
/// </summary>
public sealed record TrainerProgress(
    long Step,
    long TotalSteps,
    float Loss,
    double? ValLoss,
    float LearningRate,
    float GradNorm,
    double ItemsPerSecond,
    string ItemName,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    bool Evaluating = false);
