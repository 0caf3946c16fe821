using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>
/// The tokens still in the running for one position: parallel arrays of ids and logits (plus scratch weights), sized
/// once for the vocabulary and reused, so sampling a token allocates nothing after the first call. Steps shrink the
/// set (<see cref="Truncate"/>, <see cref="KeepLogitsAtLeast"/>, and the selections in TokenCandidates.Selection.cs),
/// reorder it or edit logits; the flags record what is known about the order so later steps can skip work.
/// </summary>
public sealed partial class TokenCandidates
{
    private int[] _ids = [];
    private float[] _logits = [];
    private float[] _weights = [];
    private ulong[] _keys = [];

    /// <summary>How many candidates remain.</summary>
    public int Count { get; private set; }

    /// <summary>How many leading candidates are known to be the best ones, in order (higher logit first, ties lower
    /// id first); every later candidate ranks below them.</summary>
    public int SortedPrefix { get; private set; }

    /// <summary>True when all candidates are in sampler order.</summary>
    public bool IsSorted => SortedPrefix == Count;

    /// <summary>True right after <see cref="Load"/>: candidate i is token i, so a token's position is its id.</summary>
    public bool IdsAreIndices { get; private set; }

    /// <summary>The token the final pick chose, or −1 before it ran.</summary>
    public int Selected { get; set; } = -1;

    public ReadOnlySpan<int> Ids => _ids.AsSpan(0, Count);

    public ReadOnlySpan<float> Logits => _logits.AsSpan(0, Count);

    /// <summary>exp(logit − max) per candidate as written by <see cref="ComputeWeights"/>; stale once the candidates
    /// are reordered or shrunk, so a step that needs them computes them itself.</summary>
    public ReadOnlySpan<float> Weights => _weights.AsSpan(0, Count);

    /// <summary>Makes every token of the vocabulary a candidate with its logit. NaN or +∞ logits are a model bug and
    /// are refused here rather than silently turned into some token.</summary>
    public void Load(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw LoomException.Argument("Sampler: the logits are empty; expected one per vocabulary token");
        float max = TensorPrimitives.Max(logits); // NaN and +∞ propagate, so one pass finds both
        if (float.IsNaN(max) || float.IsPositiveInfinity(max)) throw BadLogit(logits);
        EnsureCapacity(logits.Length);
        logits.CopyTo(_logits);
        for (int i = 0; i < logits.Length; i++) _ids[i] = i;
        Count = logits.Length;
        SortedPrefix = Count == 1 ? 1 : 0;
        IdsAreIndices = true;
        Selected = -1;
    }

    /// <summary>The logits for editing in place; afterwards nothing is assumed about their order.</summary>
    public Span<float> LogitsForEdit()
    {
        SortedPrefix = Count <= 1 ? Count : 0;
        return _logits.AsSpan(0, Count);
    }

    /// <summary>Replaces each logit l by (l − max) / <paramref name="temperature"/> (&gt; 0). Subtracting the max first
    /// leaves the softmax unchanged but means a tiny temperature drives logits to −∞, never to +∞. Keeps the order.</summary>
    public void ApplyTemperature(float temperature)
    {
        Span<float> logits = _logits.AsSpan(0, Count);
        float max = MaxLogit();
        if (float.IsNegativeInfinity(max)) return; // all banned: nothing to scale, the pick reports it
        TensorPrimitives.Subtract(logits, max, logits);
        TensorPrimitives.Divide(logits, temperature, logits);
    }

    /// <summary>The position of token <paramref name="id"/>, or −1 when it is no longer a candidate.</summary>
    public int IndexOf(int id)
    {
        if (IdsAreIndices) return (uint)id < (uint)Count ? id : -1;
        return Array.IndexOf(_ids, id, 0, Count);
    }

    public float MaxLogit() =>
        SortedPrefix > 0 ? _logits[0] : TensorPrimitives.Max(_logits.AsSpan(0, Count));

    /// <summary>Writes exp(logit − <paramref name="max"/>) into <see cref="Weights"/> and returns their sum (the
    /// softmax normaliser).</summary>
    public float ComputeWeights(float max)
    {
        Span<float> weights = _weights.AsSpan(0, Count);
        TensorPrimitives.Subtract(_logits.AsSpan(0, Count), max, weights);
        TensorPrimitives.Exp(weights, weights);
        return TensorPrimitives.Sum(weights);
    }

    /// <summary>Keeps the first <paramref name="count"/> candidates.</summary>
    public void Truncate(int count)
    {
        if (count >= Count) return;
        Count = Math.Max(count, 0);
        SortedPrefix = Math.Min(SortedPrefix, Count);
        // Candidates 0..count-1 of an identity layout are still tokens 0..count-1.
    }

    /// <summary>Keeps, in their current order, the candidates whose logit is at least <paramref name="threshold"/>;
    /// returns how many remain.</summary>
    public int KeepLogitsAtLeast(double threshold)
    {
        int kept = 0, keptFromPrefix = 0;
        for (int i = 0; i < Count; i++)
        {
            if (_logits[i] < threshold) continue;
            _ids[kept] = _ids[i];
            _logits[kept] = _logits[i];
            if (i < SortedPrefix) keptFromPrefix++;
            kept++;
        }
        // A kept prefix stays sorted only if nothing inside it was dropped (else a later survivor might belong there).
        if (kept != Count) IdsAreIndices = false;
        SortedPrefix = keptFromPrefix == SortedPrefix ? SortedPrefix : keptFromPrefix == kept ? kept : 0;
        Count = kept;
        return kept;
    }

    private void EnsureCapacity(int n)
    {
        if (_ids.Length >= n) return;
        _ids = new int[n];
        _logits = new float[n];
        _weights = new float[n];
        _keys = new ulong[n];
    }

    private static LoomException BadLogit(ReadOnlySpan<float> logits)
    {
        int i = 0;
        while (i < logits.Length && !float.IsNaN(logits[i]) && !float.IsPositiveInfinity(logits[i])) i++;
        return LoomException.Argument($"Sampler: the logit of token {i} is {logits[i]}; expected a finite number or -Infinity");
    }
}
