namespace Loom.Text.Sampling;

/// <summary>
/// Discourages tokens the sequence already used, from <see cref="SamplerContext.History"/>. For a token seen
/// c &gt; 0 times in the window: first the repetition penalty r (CTRL / llama.cpp: a positive logit is divided by r,
/// a negative one multiplied, so both move down for r &gt; 1), then the OpenAI penalties:
/// logit −= presence + frequency·c. It visits only the tokens that occurred, not the whole vocabulary.
/// </summary>
public sealed class PenaltiesStep(float repetition, float presence, float frequency) : ISamplerStep
{
    public string Name => "penalties";

    public float Repetition { get; } = repetition;

    public float Presence { get; } = presence;

    public float Frequency { get; } = frequency;

    public void Apply(TokenCandidates candidates, SamplerContext context)
    {
        if (context.History.DistinctCount == 0) return;
        Span<float> logits = candidates.LogitsForEdit();
        foreach (var (token, count) in context.History)
        {
            int at = candidates.IndexOf(token);
            if (at < 0) continue;
            float logit = logits[at];
            if (Repetition != 1f) logit = logit <= 0f ? logit * Repetition : logit / Repetition;
            logits[at] = logit - (Presence + Frequency * count);
        }
    }
}
