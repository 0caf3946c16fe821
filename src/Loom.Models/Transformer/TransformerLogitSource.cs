using Loom.Text.Sampling;

namespace Loom.Models.Transformer;

/// <summary>
/// A <see cref="TransformerLm"/> as the sampler's <see cref="ILogitSource"/>: one sequence, decoded through a
/// <see cref="TransformerSession"/> so each new token costs one cached step. The generator stops at the context
/// length; feeding beyond it throws rather than silently forgetting the start.
/// </summary>
public sealed class TransformerLogitSource : ILogitSource
{
    private readonly TransformerSession _session;
    private float[] _logits = [];

    public TransformerLogitSource(TransformerLm model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _session = model.CreateSession(batch: 1);
    }

    public int ContextLength => _session.ContextLength;

    public void Reset() => _session.Rewind(0);

    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens)
    {
        _logits = _session.Append(newTokens.ToArray()).ToArray();
        return _logits;
    }
}
