namespace Loom.Text.Sampling;

/// <summary>
/// A per-request restriction on which tokens may come next (JSON-schema output, tool-call grammar): the serving
/// engine calls <see cref="Mask"/> on a copy of each step's logits before the sampler chain runs, and
/// <see cref="Accept"/> with every token it then chooses. One instance per sequence (it holds the parse state).
/// </summary>
/// <remarks>Log-probabilities are still reported from the model's own logits (as OpenAI reports them), so a
/// constraint changes what is chosen, never what the model is said to have believed.</remarks>
public interface ITokenConstraint
{
    /// <summary>Sets the logit of every token that may not come next to −∞ (leave at least one allowed).</summary>
    void Mask(Span<float> logits);

    /// <summary>The token chosen at this step.</summary>
    void Accept(int token);

    /// <summary>True once the output is complete (e.g. the JSON value closed): generation ends with finish "stop".</summary>
    bool IsComplete { get; }
}
