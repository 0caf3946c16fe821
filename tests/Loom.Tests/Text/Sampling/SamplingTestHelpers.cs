using Loom.Core;
using Loom.Text.Sampling;

namespace Loom.Tests.Text.Sampling;

/// <summary>Shared set-up for the sampler step tests: candidates loaded from logits, a seeded context.</summary>
internal static class SamplingTestHelpers
{
    public static TokenCandidates Load(params float[] logits)
    {
        var candidates = new TokenCandidates();
        candidates.Load(logits);
        return candidates;
    }

    public static SamplerContext Context(ulong seed = 1, int window = 64) => new(new LoomRandom(seed), new TokenHistory(window));

    /// <summary>Logits whose softmax is exactly the given probabilities (up to float rounding of the logs).</summary>
    public static float[] LogitsOf(params double[] probabilities) => [.. probabilities.Select(p => (float)Math.Log(p))];

    public static float[] GaussianLogits(int vocab, ulong seed, float scale = 1f)
    {
        var random = new LoomRandom(seed);
        return [.. Enumerable.Range(0, vocab).Select(_ => (float)random.NextGaussian() * scale)];
    }

    /// <summary>Token ids in sampler order (higher logit first, ties lower id first), by a plain full sort.</summary>
    public static int[] ReferenceOrder(float[] logits) =>
        [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i)];
}
