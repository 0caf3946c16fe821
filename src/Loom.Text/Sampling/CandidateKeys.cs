namespace Loom.Text.Sampling;

/// <summary>
/// Packs a (logit, id) pair into one <see cref="ulong"/> whose ascending order is the sampler's order: higher logit
/// first and, among equal logits, the lower id first. Plain ulongs sort without a comparer (so without allocation),
/// and since ids are unique every key is distinct — any selection algorithm therefore gives the same result, which
/// is what makes top-k ties deterministic.
/// </summary>
internal static class CandidateKeys
{
    public static ulong Pack(float logit, int id)
    {
        if (logit == 0f) logit = 0f; // −0 and +0 tie, as they compare equal
        uint bits = BitConverter.SingleToUInt32Bits(logit);
        // Map IEEE bits to an unsigned integer that grows with the float, then flip it so larger logits come first.
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)id;
    }

    public static int Id(ulong key) => (int)(uint)key;

    public static float Logit(ulong key)
    {
        uint ascending = ~(uint)(key >> 32);
        uint bits = (ascending & 0x8000_0000u) != 0 ? ascending & 0x7FFF_FFFFu : ~ascending;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>
    /// Writes the keys of the <paramref name="best"/>.Length best entries into <paramref name="best"/>, best first, in
    /// one pass: an entry whose logit is below the current worst kept one costs a single float compare, so for small
    /// counts (top-k 40, top_logprobs 20) this beats selection over all keys. <paramref name="ids"/> empty means the
    /// id of entry i is i. Returns how many were written (fewer when there are fewer entries).
    /// </summary>
    public static int SelectBest(ReadOnlySpan<float> logits, ReadOnlySpan<int> ids, Span<ulong> best)
    {
        int n = best.Length, filled = 0;
        float floor = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
        {
            float logit = logits[i];
            if (filled == n && logit < floor) continue;
            ulong key = Pack(logit, ids.IsEmpty ? i : ids[i]);
            int at;
            if (filled < n) at = filled++;
            else if (key < best[n - 1]) at = n - 1;
            else continue;
            while (at > 0 && best[at - 1] > key)
            {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = key;
            if (filled == n) floor = Logit(best[n - 1]);
        }
        return filled;
    }

    /// <summary>
    /// Reorders <paramref name="keys"/> so its first <paramref name="k"/> entries are the k smallest (in no particular
    /// order): quickselect, O(n) on average. A depth budget falls back to a full sort of what is left, so crafted
    /// inputs cannot make it quadratic.
    /// </summary>
    public static void SelectSmallest(Span<ulong> keys, int k)
    {
        if (k <= 0 || k >= keys.Length) return;
        int lo = 0, hi = keys.Length - 1, target = k - 1;
        int budget = DepthBudget(keys.Length);
        while (hi > lo)
        {
            if (budget-- == 0)
            {
                keys[lo..(hi + 1)].Sort();
                return;
            }
            (int j, int i) = Partition(keys, [], lo, hi);
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return;
        }
    }

    /// <summary>How many partitioning rounds a selection over <paramref name="length"/> keys may take before it
    /// falls back to sorting: about twice the depth a balanced split needs.</summary>
    public static int DepthBudget(int length) => 2 * (64 - (int)ulong.LeadingZeroCount((ulong)length)) + 8;

    /// <summary>
    /// Hoare partition of keys[lo..hi] around a median-of-three pivot, moving <paramref name="companion"/> (empty, or
    /// one value per key) along. Afterwards keys[lo..j] ≤ pivot ≤ keys[i..hi] with j &lt; i, and when j + 2 == i the
    /// key between the two parts is the pivot itself (keys are distinct).
    /// </summary>
    public static (int J, int I) Partition(Span<ulong> keys, Span<float> companion, int lo, int hi)
    {
        ulong a = keys[lo], b = keys[lo + (hi - lo) / 2], c = keys[hi];
        ulong pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        int i = lo, j = hi;
        while (i <= j)
        {
            while (keys[i] < pivot) i++;
            while (keys[j] > pivot) j--;
            if (i > j) break;
            (keys[i], keys[j]) = (keys[j], keys[i]);
            if (!companion.IsEmpty) (companion[i], companion[j]) = (companion[j], companion[i]);
            i++;
            j--;
        }
        return (j, i);
    }
}
