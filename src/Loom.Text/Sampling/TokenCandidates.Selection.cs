namespace Loom.Text.Sampling;

/// <summary>The selections behind top-k and top-p: each finds the best candidates without fully sorting a 150k
/// vocabulary, and all break ties by lower id, so the result never depends on the algorithm's internal order.</summary>
public sealed partial class TokenCandidates
{
    // Up to this many, one insertion pass (a float compare per candidate) beats packing and partitioning all keys.
    private const int InsertionLimit = 256;
    // Top-p first tries the best 64 in one pass; a peaked LLM distribution almost always reaches P within them.
    private const int NucleusFirstRound = 64;

    /// <summary>Keeps the <paramref name="k"/> best candidates, sorted (top-k).</summary>
    public void KeepTop(int k)
    {
        if (k >= Count) return;
        if (k <= SortedPrefix)
        {
            Truncate(k);
            return;
        }
        if (k > InsertionLimit)
        {
            SortTop(k, dropRest: true);
            return;
        }
        Span<ulong> best = _keys.AsSpan(0, k);
        CandidateKeys.SelectBest(Logits, Ids, best);
        Unpack(best, 0);
        SetLayout(k, sortedPrefix: k);
    }

    /// <summary>
    /// Moves the <paramref name="k"/> best candidates to the front in sampler order by partial selection — O(n), not
    /// a full sort. With <paramref name="dropRest"/> the others are discarded; without, they stay behind the prefix in
    /// no particular order.
    /// </summary>
    public void SortTop(int k, bool dropRest)
    {
        k = Math.Clamp(k, 0, Count);
        if (k <= SortedPrefix)
        {
            if (dropRest) Truncate(k);
            return;
        }
        Span<ulong> keys = PackAll();
        CandidateKeys.SelectSmallest(keys, k);
        keys[..k].Sort();
        int keep = dropRest ? k : Count;
        Unpack(keys[..keep], 0);
        SetLayout(keep, sortedPrefix: k);
    }

    /// <summary>
    /// Keeps the smallest set of best candidates whose probabilities sum to at least <paramref name="p"/> (top-p),
    /// at least one. When the best 64 do not reach it (a flat distribution), a quickselect on probability mass finds
    /// the cut in O(n) instead of sorting: only the last, small range is sorted, the candidates before it are kept in
    /// the order the partitioning left them.
    /// </summary>
    public void KeepNucleus(float p)
    {
        if (Count <= 1) return;
        float max = MaxLogit();
        if (float.IsNegativeInfinity(max)) return; // everything banned: leave it for the pick to report
        double target = p * (double)ComputeWeights(max);
        if (IsSorted)
        {
            Truncate(WalkUntil(Logits, max, target));
            return;
        }
        Span<ulong> best = _keys.AsSpan(0, Math.Min(NucleusFirstRound, Count));
        CandidateKeys.SelectBest(Logits, Ids, best);
        double mass = 0;
        for (int i = 0; i < best.Length; i++)
        {
            mass += MathF.Exp(CandidateKeys.Logit(best[i]) - max);
            if (mass < target) continue;
            Unpack(best[..(i + 1)], 0);
            SetLayout(i + 1, sortedPrefix: i + 1);
            return;
        }
        if (best.Length == Count)
        {
            // Rounding left the sum a hair short of P: keep everything, sorted since the order is known anyway.
            Unpack(best, 0);
            SetLayout(Count, sortedPrefix: Count);
            return;
        }
        KeepNucleusByMass(max, target);
    }

    private void KeepNucleusByMass(float max, double target)
    {
        Span<ulong> keys = PackAll();
        Span<float> weights = _weights.AsSpan(0, Count); // aligned with keys by position, and swapped with them
        int lo = 0, hi = Count - 1;
        double above = 0; // the mass of keys[0..lo), every one of which ranks above keys[lo..hi]
        int budget = CandidateKeys.DepthBudget(Count);
        while (hi - lo >= NucleusFirstRound && budget-- > 0)
        {
            (int j, int i) = CandidateKeys.Partition(keys, weights, lo, hi);
            double left = System.Numerics.Tensors.TensorPrimitives.Sum(weights[lo..(j + 1)]);
            if (above + left >= target)
            {
                hi = j;
                continue;
            }
            above += left;
            if (j + 2 == i) // the pivot itself sits between the halves
            {
                above += weights[j + 1];
                if (above >= target)
                {
                    Finish(keys, j + 2, sortedPrefix: j + 2 == 1 ? 1 : 0); // the left part is unsorted
                    return;
                }
            }
            lo = i;
        }
        keys[lo..(hi + 1)].Sort();
        int cut = WalkKeysUntil(keys, max, lo, hi + 1, above, target);
        Finish(keys, cut, sortedPrefix: lo == 0 ? cut : 0);
    }

    private void Finish(Span<ulong> keys, int count, int sortedPrefix)
    {
        Unpack(keys[..count], 0);
        SetLayout(count, sortedPrefix);
    }

    private static int WalkKeysUntil(ReadOnlySpan<ulong> keys, float max, int from, int to, double mass, double target)
    {
        for (int i = from; i < to; i++)
        {
            mass += MathF.Exp(CandidateKeys.Logit(keys[i]) - max);
            if (mass >= target) return i + 1;
        }
        return to;
    }

    private static int WalkUntil(ReadOnlySpan<float> logits, float max, double target)
    {
        double mass = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            mass += MathF.Exp(logits[i] - max);
            if (mass >= target) return i + 1;
        }
        return logits.Length;
    }

    private Span<ulong> PackAll()
    {
        Span<ulong> keys = _keys.AsSpan(0, Count);
        for (int i = 0; i < keys.Length; i++) keys[i] = CandidateKeys.Pack(_logits[i], _ids[i]);
        return keys;
    }

    private void Unpack(ReadOnlySpan<ulong> keys, int at)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            _ids[at + i] = CandidateKeys.Id(keys[i]);
            _logits[at + i] = CandidateKeys.Logit(keys[i]);
        }
    }

    private void SetLayout(int count, int sortedPrefix)
    {
        Count = count;
        SortedPrefix = sortedPrefix;
        IdsAreIndices = false;
    }
}
