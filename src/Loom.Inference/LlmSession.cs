using Loom.Core;
using Loom.Kernels;
using Loom.Text.Sampling;

namespace Loom.Inference;

/// <summary>
/// One sequence being decoded by an <see cref="LlmModel"/>: its KV cache and every activation buffer, allocated
/// once here. <see cref="Forward"/> takes new tokens (a prompt goes through the matmuls in batches of up to
/// <see cref="BatchSize"/> rows; a single token is a pure mat-vec over the mapped weights) and returns the next
/// token's logits. A one-token Forward allocates nothing, except on the few steps where the KV cache doubles.
/// Not thread-safe: one per sequence.
/// </summary>
public sealed class LlmSession : ILogitSource
{
    private readonly LlmModel _model;
    private readonly LlmConfig _c;
    private readonly SessionBuffers _buffers;
    private readonly DecoderLayer _layer;

    internal LlmSession(LlmModel model, int batchSize)
    {
        _model = model;
        _c = model.Config;
        if (batchSize < 1) throw LoomException.Argument($"batch size must be at least 1, found {batchSize}");
        BatchSize = Math.Min(batchSize, _c.ContextLength);
        Cache = new KvCache(_c);
        _buffers = new SessionBuffers(_c, BatchSize);
        _layer = new DecoderLayer(_c, model.Architecture, model.Rope, new CausalAttention(_c));
    }

    /// <summary>The most tokens the session holds (the model's context length, or the override given at load).</summary>
    public int ContextLength => _c.ContextLength;

    /// <summary>Tokens already in the KV cache; the next token goes at this position.</summary>
    public int Position { get; private set; }

    /// <summary>Most prompt tokens pushed through the matmuls at once.</summary>
    public int BatchSize { get; }

    public KvCache Cache { get; }

    /// <summary>Bytes of activation buffers the session holds now (they grow to the longest batch seen).</summary>
    public long BufferBytes => _buffers.Bytes;

    internal LlmModel Model => _model;

    /// <summary>Moves past tokens whose K/V rows a batched step (Batching/BatchedDecoder) wrote into the cache.</summary>
    internal void Advance(int tokens) => Position += tokens;

    /// <summary>Empties the sequence (the cache is overwritten as tokens arrive).</summary>
    public void Reset() => Position = 0;

    /// <summary>Forgets every token from <paramref name="position"/> on, keeping the prefix's cache (e.g. a chat
    /// history shared with the next turn).</summary>
    public void Rewind(int position)
    {
        if (position < 0 || position > Position)
            throw LoomException.Argument($"rewind: position must be in 0..{Position} (the tokens held), found {position}");
        Position = position;
    }

    /// <summary>Appends <paramref name="newTokens"/> and returns the logits (<see cref="LlmConfig.VocabSize"/> values)
    /// for the token after the last of them; valid until the next call. Throws, changing nothing, when the tokens
    /// would not fit in the context or an id is outside the vocabulary.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens)
    {
        Feed(newTokens, hiddenSum: null);
        return _buffers.Logits;
    }

    /// <summary>Appends <paramref name="newTokens"/> like <see cref="Forward"/> and adds every one of their final
    /// hidden states (after the output norm, before the vocabulary projection) into <paramref name="hiddenSum"/>
    /// (<see cref="LlmConfig.EmbeddingLength"/> values): the sum a mean-pooled embedding divides.</summary>
    public void AccumulateHidden(ReadOnlySpan<int> newTokens, Span<float> hiddenSum)
    {
        if (hiddenSum.Length != _c.EmbeddingLength)
            throw LoomException.Shape("accumulate hidden", $"expected {_c.EmbeddingLength} values, found {hiddenSum.Length}");
        var sum = new float[_c.EmbeddingLength];
        Feed(newTokens, sum);
        System.Numerics.Tensors.TensorPrimitives.Add(hiddenSum, sum, hiddenSum);
    }

    private void Feed(ReadOnlySpan<int> newTokens, float[]? hiddenSum)
    {
        if (newTokens.IsEmpty) throw LoomException.Argument("forward: no tokens given; pass at least one");
        if ((long)Position + newTokens.Length > ContextLength)
        {
            throw LoomException.Argument(
                $"forward: {newTokens.Length} new tokens after the {Position} held would exceed the context length {ContextLength}; " +
                "shorten the prompt or generation, or load the model with a larger context");
        }
        foreach (int id in newTokens)
        {
            if ((uint)id >= (uint)_c.VocabSize)
                throw LoomException.Argument($"forward: token id {id} is outside the vocabulary 0..{_c.VocabSize - 1}");
        }
        var weights = _model.Weights;
        for (int done = 0; done < newTokens.Length; done += BatchSize)
        {
            int n = Math.Min(BatchSize, newTokens.Length - done);
            int start = Position;
            _buffers.EnsureRows(n); // before the loop below writes into them
            for (int i = 0; i < n; i++)
            {
                weights.TokenEmbedding.ReadRow(newTokens[done + i], _buffers.Residual.AsSpan(i * _c.EmbeddingLength, _c.EmbeddingLength));
                _buffers.Positions[i] = start + i;
            }
            Cache.EnsureCapacity(start + n);
            _model.Rope.Angles(_buffers.Positions.AsSpan(0, n), _buffers.RopeCos, _buffers.RopeSin);
            for (int layer = 0; layer < _c.LayerCount; layer++)
                _layer.Forward(weights.Layers[layer], _buffers, Cache, layer, start, n);
            Position += n;
            if (hiddenSum is not null) AddNormedRows(n, hiddenSum);
            else if (done + n == newTokens.Length) Logits(n - 1);
        }
    }

    private void AddNormedRows(int n, float[] sum)
    {
        int e = _c.EmbeddingLength;
        for (int row = 0; row < n; row++)
        {
            Normalization.RmsNormForward(_buffers.Residual.AsSpan(row * e, e), _model.Weights.OutputNorm, _buffers.LastNormed,
                _buffers.Rstd.AsSpan(0, 1), 1, e, _c.RmsEpsilon);
            System.Numerics.Tensors.TensorPrimitives.Add(sum, _buffers.LastNormed, sum);
        }
    }

    // Only the last token's logits are wanted: final norm and the vocabulary projection on that one row.
    private void Logits(int row)
    {
        int e = _c.EmbeddingLength;
        Normalization.RmsNormForward(_buffers.Residual.AsSpan(row * e, e), _model.Weights.OutputNorm, _buffers.LastNormed,
            _buffers.Rstd.AsSpan(0, 1), 1, e, _c.RmsEpsilon);
        // A batch long enough to run its matmuls with float activations (the dequantizing GEMM) projects its last row
        // the same way, so a batched prompt's logits come from one arithmetic throughout (llama.cpp's f32 reference).
        if (row + 1 >= WeightMatrix.DequantizedGemmMinRows)
            _model.Weights.Output.MatMulFloatActivations(_buffers.LastNormed, 1, _buffers.Logits);
        else
            DecodeMatVec.Multiply(_buffers.LastNormed, 1, _model.Weights.Output, _buffers.Logits);
    }
}
