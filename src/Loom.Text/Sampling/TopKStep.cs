namespace Loom.Text.Sampling;

/// <summary>Keeps the K highest logits (equal logits: lower ids first), found without sorting the vocabulary and left
/// sorted, so top-p and the pick need no further sorting.</summary>
public sealed class TopKStep : ISamplerStep
{
    public TopKStep(int k)
    {
        if (k < 1) throw Core.LoomException.Argument($"TopKStep: k must be 1 or more, found {k}");
        K = k;
    }

    public string Name => "top-k";

    public int K { get; }

    public void Apply(TokenCandidates candidates, SamplerContext context)
    {
        candidates.KeepTop(K);
    }
}
