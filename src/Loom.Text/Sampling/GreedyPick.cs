using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>The final pick for temperature 0: the highest logit, and among equal logits the lowest id, so greedy
/// decoding is the same on every machine.</summary>
public sealed class GreedyPick : ISamplerStep
{
    public string Name => "greedy";

    public void Apply(TokenCandidates candidates, SamplerContext context) => candidates.Selected = ArgMax(candidates);

    internal static int ArgMax(TokenCandidates candidates)
    {
        ReadOnlySpan<int> ids = candidates.Ids;
        ReadOnlySpan<float> logits = candidates.Logits;
        if (ids.IsEmpty) throw new LoomException(LoomErrorCode.Internal, "Sampler: no candidates are left to pick from");
        int best = 0;
        if (candidates.SortedPrefix == 0)
        {
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best] || (logits[i] == logits[best] && ids[i] < ids[best])) best = i;
            }
        }
        if (float.IsNegativeInfinity(logits[best])) throw AllBanned();
        return ids[best];
    }

    internal static LoomException AllBanned() =>
        LoomException.Argument("Sampler: every candidate token has logit -Infinity (all banned, e.g. by logit_bias), so none can be chosen");
}
