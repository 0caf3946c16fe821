namespace Loom.Text.Sampling;

/// <summary>
/// Nucleus sampling: keeps the smallest set of most likely candidates whose probabilities sum to at least P (always at
/// least one), with <see cref="TokenCandidates.KeepNucleus"/>: one pass finds the best 64, which almost always hold
/// P of a peaked LLM distribution; for a flat one a quickselect on probability mass avoids sorting the vocabulary.
/// </summary>
public sealed class TopPStep : ISamplerStep
{
    public TopPStep(float p)
    {
        if (!(p > 0f && p <= 1f)) throw Core.LoomException.Argument($"TopPStep: p must be in (0, 1], found {p}");
        P = p;
    }

    public string Name => "top-p";

    public float P { get; }

    public void Apply(TokenCandidates candidates, SamplerContext context) => candidates.KeepNucleus(P);
}
