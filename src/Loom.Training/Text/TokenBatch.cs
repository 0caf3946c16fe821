using Loom.Core;

namespace Loom.Training.Text;

/// <summary>
/// A batch of token sequences for next-token prediction: <see cref="Inputs"/> and <see cref="Targets"/> are
/// [BatchSize, Length] row-major; Targets[b, t] is the token that follows Inputs[b, ..t]. Positions with nothing to
/// predict (padding) have target <see cref="IgnoreIndex"/>, which the cross-entropy skips.
/// </summary>
public sealed record TokenBatch(int[] Inputs, int[] Targets, int BatchSize, int Length)
{
    /// <summary>The target of padded positions (the cross-entropy's default ignore index).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Positions that have a real target.</summary>
    public int TargetCount => Targets.Count(t => t != IgnoreIndex);

    internal static void CheckBatchSize(int batchSize, string what)
    {
        if (batchSize < 1) throw LoomException.Argument($"{what}: batch size must be at least 1, found {batchSize}");
    }
}
