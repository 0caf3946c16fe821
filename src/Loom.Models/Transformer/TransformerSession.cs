using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// Incremental decoding of <see cref="Batch"/> sequences in lockstep: prefill a prompt, then feed one token at a
/// time; keys and values of earlier positions come from the <see cref="KvCache"/>. No autograd. Feeding past the
/// context length throws (the model has no positions beyond it); callers that want to go on start a new session
/// with the most recent tokens.
/// </summary>
public sealed class TransformerSession
{
    private readonly TransformerLm _model;
    private readonly KvCache _cache;

    internal TransformerSession(TransformerLm model, int batch)
    {
        _model = model;
        _cache = new KvCache(model.Config, batch);
    }

    public int Batch => _cache.Batch;

    /// <summary>Positions consumed so far (the next token goes to this position).</summary>
    public int Position { get; private set; }

    /// <summary>The model's context length: the most positions a session can hold.</summary>
    public int ContextLength => _model.Config.ContextLength;

    public int VocabSize => _model.Config.VocabSize;

    /// <summary>
    /// Feeds tokens [B, T] (row-major, T = tokens.Length / Batch) at the current position and returns the logits
    /// of the last of them, [B, V].
    /// </summary>
    public Tensor Append(int[] tokens) => Run(tokens, allPositions: false);

    /// <summary>As <see cref="Append"/>, returning the logits of every fed position, [B, T, V].</summary>
    public Tensor AppendAll(int[] tokens) => Run(tokens, allPositions: true);

    /// <summary>Forgets positions from <paramref name="position"/> on (0 empties the session); the cache keeps the rest.</summary>
    public void Rewind(int position)
    {
        if (position < 0 || position > Position)
            throw LoomException.Argument($"transformer session: can rewind to 0..{Position}, found {position}");
        Position = position;
    }

    private Tensor Run(int[] tokens, bool allPositions)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length == 0 || tokens.Length % Batch != 0)
            throw LoomException.Shape("transformer session", $"expected a positive multiple of the batch ({Batch}) tokens, found {tokens.Length}");
        int time = tokens.Length / Batch;
        if (Position + time > ContextLength)
            throw LoomException.Argument($"transformer session: {Position} + {time} tokens exceed the context length {ContextLength}");
        var logits = _model.ForwardCached(tokens, Batch, time, Position, _cache, lastOnly: !allPositions);
        Position += time;
        return logits;
    }
}
