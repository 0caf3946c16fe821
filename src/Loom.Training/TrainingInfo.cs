namespace Loom.Training;

/// <summary>Loom.Training: datasets and batching, built-in datasets, the trainer loop, checkpoints and resume.</summary>
internal static class TrainingInfo
{
}
