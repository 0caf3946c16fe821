using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>Adds a fixed bias to chosen tokens' logits (OpenAI's logit_bias); −∞ bans a token outright. It runs first,
/// on the raw logits, so a ban holds whatever the later steps do.</summary>
public sealed class LogitBiasStep : ISamplerStep
{
    // Copied into arrays, in id order, because enumerating an IReadOnlyDictionary allocates on every token.
    private readonly int[] _tokens;
    private readonly float[] _biases;

    public LogitBiasStep(IReadOnlyDictionary<int, float> bias)
    {
        var entries = bias.OrderBy(e => e.Key).ToArray();
        _tokens = [.. entries.Select(e => e.Key)];
        _biases = [.. entries.Select(e => e.Value)];
    }

    public string Name => "logit-bias";

    public void Apply(TokenCandidates candidates, SamplerContext context)
    {
        if (_tokens.Length == 0) return;
        if (candidates.IdsAreIndices && _tokens[^1] >= candidates.Count)
        {
            throw LoomException.Argument(
                $"SamplingOptions.LogitBias (logit_bias): token {_tokens[^1]} is not in the vocabulary of {candidates.Count} tokens");
        }
        Span<float> logits = candidates.LogitsForEdit();
        for (int i = 0; i < _tokens.Length; i++)
        {
            int at = candidates.IndexOf(_tokens[i]);
            if (at >= 0) logits[at] += _biases[i];
        }
    }
}
