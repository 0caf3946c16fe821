namespace Loom.Text.Sampling;

/// <summary>
/// The final pick when sampling: draws a candidate with probability softmax(logits) using the context's seeded
/// <see cref="Core.LoomRandom"/>. One uniform number per token, compared against the running sum of weights in the
/// candidates' current order, so the same seed and logits give the same token.
/// </summary>
public sealed class DistributionPick : ISamplerStep
{
    public string Name => "distribution";

    public void Apply(TokenCandidates candidates, SamplerContext context)
    {
        float max = candidates.MaxLogit();
        if (float.IsNegativeInfinity(max)) throw GreedyPick.AllBanned();
        if (float.IsPositiveInfinity(max))
        {
            // A tiny temperature pushed logits past float range; the limit of softmax is the arg-max.
            candidates.Selected = GreedyPick.ArgMax(candidates);
            return;
        }
        float total = candidates.ComputeWeights(max);
        double target = context.Random.NextDouble() * total;
        ReadOnlySpan<float> weights = candidates.Weights;
        ReadOnlySpan<int> ids = candidates.Ids;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0f) continue; // strictly-greater test below never lands on a zero weight; skip it outright
            cumulative += weights[i];
            last = i;
            if (cumulative > target)
            {
                candidates.Selected = ids[i];
                return;
            }
        }
        candidates.Selected = ids[last]; // the float sum rounded above the double walk: take the last possible token
    }
}
