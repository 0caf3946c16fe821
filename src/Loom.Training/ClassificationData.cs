using Loom.Core;
using Loom.Tensors;

namespace Loom.Training;

/// <summary>
/// Labelled examples held in memory: <see cref="Inputs"/> is [N, …] (one row per example), <see cref="Labels"/>
/// holds N class indices into <see cref="ClassNames"/>.
/// </summary>
public sealed class ClassificationData
{
    public ClassificationData(Tensor inputs, int[] labels, IReadOnlyList<string> classNames)
    {
        if (inputs.Rank < 1 || inputs.Size(0) != labels.Length)
            throw LoomException.Shape("dataset", $"inputs {ShapeUtil.Format(inputs.Shape)} must have one row per label ({labels.Length})");
        foreach (int label in labels)
            if ((uint)label >= (uint)classNames.Count)
                throw LoomException.Argument($"dataset: label {label} is outside the {classNames.Count} classes");
        Inputs = inputs.Contiguous().Detach();
        Labels = labels;
        ClassNames = classNames;
    }

    public Tensor Inputs { get; }
    public int[] Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => Labels.Length;

    /// <summary>The examples at <paramref name="indices"/>, in that order (copies).</summary>
    public (Tensor Inputs, int[] Labels) Gather(ReadOnlySpan<int> indices)
    {
        int[] shape = Inputs.ShapeArray;
        int rowSize = Count == 0 ? 0 : Inputs.Length / Count;
        var source = Inputs.AsSpan();
        var data = new float[indices.Length * rowSize];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            if ((uint)row >= (uint)Count) throw LoomException.Argument($"dataset: index {row} is outside {Count} examples");
            source.Slice(row * rowSize, rowSize).CopyTo(data.AsSpan(i * rowSize, rowSize));
            labels[i] = Labels[row];
        }
        shape[0] = indices.Length;
        return (new Tensor(data, shape), labels);
    }

    /// <summary>One epoch of mini-batches in a seeded random order (see <see cref="MiniBatches.Epoch"/>).</summary>
    public IEnumerable<(Tensor Inputs, int[] Labels)> Batches(int batchSize, LoomRandom rng, bool dropLast = false)
    {
        foreach (var indices in MiniBatches.Epoch(Count, batchSize, rng, dropLast)) yield return Gather(indices);
    }
}
