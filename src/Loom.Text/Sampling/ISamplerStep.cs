namespace Loom.Text.Sampling;

/// <summary>
/// One link of the sampler chain (llama.cpp style): it edits the logits of the candidates, removes some, or — for the
/// final pick — sets <see cref="TokenCandidates.Selected"/>. Steps hold only their settings, never per-sequence state
/// (that lives in <see cref="SamplerContext"/>), so forks of a chain share them.
/// </summary>
public interface ISamplerStep
{
    /// <summary>A short name for logs and docs ("top-k", "temperature").</summary>
    string Name { get; }

    void Apply(TokenCandidates candidates, SamplerContext context);
}
