namespace Loom.Text.Sampling;

/// <summary>A token with its log-probability under the model's unmodified distribution.</summary>
public readonly record struct TokenLogprob(int Token, float Logprob);

/// <summary>The chosen token, its log-probability and the most likely alternatives (best first), all taken from the
/// log-softmax of the original logits — before bias, penalties, truncation and temperature — as OpenAI reports them.</summary>
public sealed record SampledToken(int Token, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);
