using System.Numerics.Tensors;
using Loom.Formats.Gguf;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Inference.Batching;

/// <summary>
/// One decode step for n sequences at once: the n next tokens (one per sequence, each at its own position) go through
/// every weight matrix as one [n, E] activation block, so each step reads the weights once however many sequences
/// run; attention is per sequence, over that sequence's own KV cache. The K and V rows the projections produce are
/// copied into each sequence's cache at its position.
/// </summary>
/// <remarks>
/// Quantized and F16 weights go through <see cref="QuantMatMul"/> for any n: it quantizes each activation row as a
/// single-token decode does and computes every output with the same operation order for any batch size, so a
/// sequence's logits are bit-identical to the ones it would get decoding alone (<see cref="LlmSession.Forward"/>
/// with one token), whatever else shares the step. F32 weights go through <see cref="WeightMatrix.MatMul"/> (the
/// float GEMM) one row at a time, as a lone decode does: bit-identical too, but without the shared weight reads. Not thread-safe: the scheduler's loop owns it.
/// </remarks>
internal sealed class BatchedDecoder
{
    private readonly LlmModel _model;
    private readonly LlmConfig _c;
    private readonly SessionBuffers _b;
    private readonly CausalAttention _attention;
    private readonly float[] _oneQuery, _oneOutput;
    private float[] _keys = [], _values = [], _logits = [], _normed = [];

    public BatchedDecoder(LlmModel model, int maxRows)
    {
        _model = model;
        _c = model.Config;
        _b = new SessionBuffers(_c, maxRows);
        _attention = new CausalAttention(_c);
        _oneQuery = new float[_c.QueryWidth];
        _oneOutput = new float[_c.AttentionOutputWidth];
    }

    /// <summary>Feeds <paramref name="tokens"/>[i] to <paramref name="sessions"/>[i] (each advances one position) and
    /// returns the next-token logits, row i for sequence i ([n, V], valid until the next call).</summary>
    public ReadOnlySpan<float> Step(IReadOnlyList<LlmSession> sessions, ReadOnlySpan<int> tokens)
    {
        int n = tokens.Length, e = _c.EmbeddingLength, v = _c.VocabSize;
        _b.EnsureRows(n);
        Grow(ref _keys, n * _c.KeyWidth);
        Grow(ref _values, n * _c.ValueWidth);
        Grow(ref _logits, n * v);
        Grow(ref _normed, n * e);
        var weights = _model.Weights;
        for (int i = 0; i < n; i++)
        {
            weights.TokenEmbedding.ReadRow(tokens[i], _b.Residual.AsSpan(i * e, e));
            _b.Positions[i] = sessions[i].Position;
            sessions[i].Cache.EnsureCapacity(sessions[i].Position + 1);
        }
        _model.Rope.Angles(_b.Positions.AsSpan(0, n), _b.RopeCos, _b.RopeSin);
        for (int layer = 0; layer < _c.LayerCount; layer++) Layer(weights.Layers[layer], sessions, layer, n);

        Normalization.RmsNormForward(_b.Residual.AsSpan(0, n * e), weights.OutputNorm, _normed.AsSpan(0, n * e),
            _b.Rstd.AsSpan(0, n), n, e, _c.RmsEpsilon);
        Multiply(weights.Output, _normed.AsSpan(0, n * e), n, _logits.AsSpan(0, n * v));
        for (int i = 0; i < n; i++) sessions[i].Advance(1);
        return _logits.AsSpan(0, n * v);
    }

    // DecoderLayer.Forward for rows that belong to different sequences.
    private void Layer(LayerWeights w, IReadOnlyList<LlmSession> sessions, int layer, int n)
    {
        int e = _c.EmbeddingLength, f = _c.FeedForwardLength, kw = _c.KeyWidth, vw = _c.ValueWidth;
        var arch = _model.Architecture;
        Span<float> x = _b.Residual.AsSpan(0, n * e), h = _b.Normed.AsSpan(0, n * e), projected = _b.Projected.AsSpan(0, n * e);

        Normalization.RmsNormForward(x, w.AttentionNorm, h, _b.Rstd.AsSpan(0, n), n, e, _c.RmsEpsilon);
        Span<float> q = _b.Query.AsSpan(0, n * _c.QueryWidth), k = _keys.AsSpan(0, n * kw), val = _values.AsSpan(0, n * vw);
        Multiply(w.Query, h, n, q);
        Multiply(w.Key, h, n, k);
        Multiply(w.Value, h, n, val);
        AddToRows(q, w.QueryBias, n);
        AddToRows(k, w.KeyBias, n);
        AddToRows(val, w.ValueBias, n);
        if (w.QueryNorm is not null) NormalizeHeads(q, w.QueryNorm, n * _c.HeadCount);
        if (w.KeyNorm is not null) NormalizeHeads(k, w.KeyNorm, n * _c.KvHeadCount);
        _model.Rope.Apply(q, n, _c.HeadCount, arch.RopeStyle, _b.RopeCos, _b.RopeSin);
        _model.Rope.Apply(k, n, _c.KvHeadCount, arch.RopeStyle, _b.RopeCos, _b.RopeSin);
        for (int i = 0; i < n; i++)
        {
            var cache = sessions[i].Cache;
            int position = sessions[i].Position;
            k.Slice(i * kw, kw).CopyTo(cache.Keys(layer).AsSpan(position * kw, kw));
            val.Slice(i * vw, vw).CopyTo(cache.Values(layer).AsSpan(position * vw, vw));
            q.Slice(i * _c.QueryWidth, _c.QueryWidth).CopyTo(_oneQuery);
            _attention.Run(_oneQuery, cache, layer, _oneOutput, position, 1);
            _oneOutput.CopyTo(_b.Attention.AsSpan(i * _c.AttentionOutputWidth, _c.AttentionOutputWidth));
        }
        Multiply(w.AttentionOutput, _b.Attention.AsSpan(0, n * _c.AttentionOutputWidth), n, projected);
        TensorPrimitives.Add(x, projected, x);

        Normalization.RmsNormForward(x, w.FeedForwardNorm, h, _b.Rstd.AsSpan(0, n), n, e, _c.RmsEpsilon);
        Span<float> gate = _b.Gate.AsSpan(0, n * f), up = _b.Up.AsSpan(0, n * f);
        Multiply(w.Gate, h, n, gate);
        Multiply(w.Up, h, n, up);
        Activations.Silu(gate, gate);
        TensorPrimitives.Multiply(gate, up, gate);
        Multiply(w.Down, gate, n, projected);
        TensorPrimitives.Add(x, projected, x);
    }

    private static void Multiply(WeightMatrix w, ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (w.Type != GgmlType.F32 && QuantMatMul.Supports(w.Type))
            QuantMatMul.MatMul(w.Type, w.Bytes, w.Rows, w.Columns, x[..(n * w.Columns)], n, y[..(n * w.Rows)]);
        else
        {
            // F32: the float GEMM's summation order depends on the row count, so each row goes alone, exactly as a
            // lone decode runs it (F32 files are for reference runs; serving uses F16 or quantized ones).
            for (int i = 0; i < n; i++) w.MatMul(x.Slice(i * w.Columns, w.Columns), 1, y.Slice(i * w.Rows, w.Rows));
        }
    }

    private static void AddToRows(Span<float> rows, float[]? bias, int n)
    {
        if (bias is null) return;
        for (int i = 0; i < n; i++)
        {
            Span<float> row = rows.Slice(i * bias.Length, bias.Length);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    // Rstd holds rows × max(heads) values, enough for every head of every row.
    private void NormalizeHeads(Span<float> heads, float[] weight, int count) =>
        Normalization.RmsNormForward(heads, weight, heads, _b.Rstd.AsSpan(0, count), count, _c.KeyLength, _c.RmsEpsilon);

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
