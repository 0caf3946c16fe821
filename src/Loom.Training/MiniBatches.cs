using Loom.Core;

namespace Loom.Training;

/// <summary>Splits a data set of <c>count</c> examples into mini-batches of indices, shuffled by a seeded generator.</summary>
public static class MiniBatches
{
    /// <summary>
    /// One pass over 0..count−1 in an order drawn from <paramref name="rng"/>, cut into batches of
    /// <paramref name="batchSize"/>; the last batch is shorter unless <paramref name="dropLast"/> drops it.
    /// The order depends only on the generator's state, so a seed reproduces it.
    /// </summary>
    public static IEnumerable<int[]> Epoch(int count, int batchSize, LoomRandom rng, bool dropLast = false)
    {
        if (count < 0) throw LoomException.Argument($"mini-batches: count must be non-negative, found {count}");
        if (batchSize < 1) throw LoomException.Argument($"mini-batches: batch size must be at least 1, found {batchSize}");
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        rng.Shuffle(order.AsSpan());
        return Cut(order, batchSize, dropLast);
    }

    private static IEnumerable<int[]> Cut(int[] order, int batchSize, bool dropLast)
    {
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int length = Math.Min(batchSize, order.Length - start);
            if (length < batchSize && dropLast) yield break;
            yield return order.AsSpan(start, length).ToArray();
        }
    }
}
