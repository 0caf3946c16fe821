using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>Log-softmax of a logit vector, for one token and for the N most likely tokens, without materialising the
/// whole log-softmax.</summary>
public static class Logprobs
{
    /// <summary>log Σ exp(logits): the log-softmax normaliser. <paramref name="scratch"/> is grown as needed and reused.</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits, ref float[] scratch)
    {
        if (logits.IsEmpty) throw LoomException.Argument("Logprobs: the logits are empty");
        float max = TensorPrimitives.Max(logits);
        if (float.IsNegativeInfinity(max)) return double.NegativeInfinity;
        if (scratch.Length < logits.Length) scratch = new float[logits.Length];
        Span<float> shifted = scratch.AsSpan(0, logits.Length);
        TensorPrimitives.Subtract(logits, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return max + Math.Log(TensorPrimitives.Sum(shifted));
    }

    /// <summary>The <paramref name="top"/>.Length most likely tokens (ties: lower id first), best first, with log-probabilities
    /// logit − <paramref name="logSumExp"/>. Returns how many were written (fewer when the vocabulary is smaller).</summary>
    public static int Top(ReadOnlySpan<float> logits, double logSumExp, Span<TokenLogprob> top)
    {
        int n = Math.Min(top.Length, logits.Length);
        if (n == 0) return 0;
        Span<ulong> best = n <= 64 ? stackalloc ulong[n] : new ulong[n];
        CandidateKeys.SelectBest(logits, [], best);
        for (int i = 0; i < n; i++)
        {
            int id = CandidateKeys.Id(best[i]);
            top[i] = new TokenLogprob(id, (float)(logits[id] - logSumExp));
        }
        return n;
    }
}
