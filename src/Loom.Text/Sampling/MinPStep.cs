namespace Loom.Text.Sampling;

/// <summary>
/// Keeps candidates whose probability is at least MinP times the top one's. Since p_i / p_max = exp(l_i − l_max) the
/// test needs no softmax and no sort: l_i ≥ l_max + ln(MinP). Order is preserved, so a sorted set stays sorted.
/// </summary>
public sealed class MinPStep : ISamplerStep
{
    public MinPStep(float minP)
    {
        if (!(minP > 0f && minP <= 1f)) throw Core.LoomException.Argument($"MinPStep: min_p must be in (0, 1], found {minP}");
        MinP = minP;
    }

    public string Name => "min-p";

    public float MinP { get; }

    public void Apply(TokenCandidates candidates, SamplerContext context)
    {
        if (candidates.Count <= 1) return;
        candidates.KeepLogitsAtLeast(candidates.MaxLogit() + Math.Log(MinP));
    }
}
