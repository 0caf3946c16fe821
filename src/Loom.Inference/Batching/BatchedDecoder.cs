using System.Numerics.Tensors;
using Loom.Formats.Gguf;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Inference.Batching;

/// <summary>
/// One forward pass for several sequences at once, each bringing its own run of new tokens at its own position: the
/// decode step (one token per sequence) and the batched prefill (one prompt chunk per sequence). Every weight matrix
/// sees all the rows as one activation block, so a step reads the weights once however many sequences take part;
/// attention is per sequence, over that sequence's own KV cache, and the K and V rows the projections produce are
/// copied into each sequence's cache at its positions. Returns, per sequence, the logits after its last token.
/// </summary>
/// <remarks>
/// A sequence's rows get exactly the arithmetic <see cref="LlmSession.Forward"/> gives the same tokens alone, so its
/// logits and cache are bit-identical whatever else shares the pass. That holds because the matrix path is chosen per
/// sequence by its own row count, as a lone session chooses it (<see cref="WeightMatrix.MatMul"/>): a run of at least
/// <see cref="WeightMatrix.DequantizedGemmMinRows"/> tokens goes through the batch path
/// (<see cref="WeightMatrix.MatMulBatch"/>: <see cref="DequantizedGemm"/> with float activations, or QuantGemm with
/// int8 ones; each depends only on K for its blocking, so each output row is the same bits for any number of rows), a
/// shorter run (decode is one token) through <see cref="QuantMatMul"/> (each activation row quantized on its own, the
/// same operation order for any batch). Sequences of the first kind are laid out first, so each kind is one
/// contiguous block and one call. F32 weights go through the float GEMM one sequence at a time, as a lone session
/// runs them (F32 files are for reference runs; serving uses F16 or quantized ones). Not thread-safe: the
/// scheduler's loop owns it.
/// </remarks>
internal sealed unsafe class BatchedDecoder
{
    private readonly LlmModel _model;
    private readonly LlmConfig _c;
    private readonly SessionBuffers _b;
    private readonly SequenceAttention _attention;
    private float[] _keys = [], _values = [], _logits = [], _normed = [], _ordered = [];
    private int[] _order = [], _rowStart = [], _tokenStart = [], _counts = [], _ones = [];
    private int _batchRows;
    private readonly bool _batchKeepsFloatActivations;

    public BatchedDecoder(LlmModel model, int maxRows)
    {
        _model = model;
        _c = model.Config;
        _b = new SessionBuffers(_c, maxRows);
        _attention = new SequenceAttention(_c);
        _batchKeepsFloatActivations = LlmSession.BatchKeepsFloatActivations(model.Weights);
    }

    /// <summary>Feeds <paramref name="tokens"/>[i] to <paramref name="sessions"/>[i] (each advances one position) and
    /// returns the next-token logits, row i for sequence i ([n, V], valid until the next call).</summary>
    public ReadOnlySpan<float> Step(IReadOnlyList<LlmSession> sessions, ReadOnlySpan<int> tokens)
    {
        if (_ones.Length < tokens.Length)
        {
            _ones = new int[tokens.Length];
            _ones.AsSpan().Fill(1);
        }
        return Forward(sessions, tokens, _ones.AsSpan(0, tokens.Length));
    }

    /// <summary>
    /// Feeds sequence i the next <paramref name="counts"/>[i] tokens of <paramref name="tokens"/> (the sequences' runs
    /// one after another, in order; each at least one token) and returns each sequence's logits after its last token,
    /// row i for sequence i ([n, V], valid until the next call). The total must fit the rows the decoder was made for.
    /// </summary>
    public ReadOnlySpan<float> Forward(IReadOnlyList<LlmSession> sessions, ReadOnlySpan<int> tokens, ReadOnlySpan<int> counts)
    {
        int n = counts.Length, e = _c.EmbeddingLength, v = _c.VocabSize;
        int rows = Layout(counts);
        if (_counts.Length < counts.Length) _counts = new int[counts.Length];
        counts.CopyTo(_counts);
        _b.EnsureRows(rows);
        if (_b.Rows < rows) throw new InvalidOperationException($"batched forward: {rows} rows exceed the decoder's {_b.Rows}");
        Grow(ref _keys, rows * _c.KeyWidth);
        Grow(ref _values, rows * _c.ValueWidth);
        Grow(ref _logits, n * v);
        Grow(ref _normed, n * e);
        var weights = _model.Weights;
        for (int j = 0; j < n; j++)
        {
            int i = _order[j], row = _rowStart[j], position = sessions[i].Position;
            for (int t = 0; t < counts[i]; t++)
            {
                weights.TokenEmbedding.ReadRow(tokens[_tokenStart[i] + t], _b.Residual.Slice((row + t) * e, e));
                _b.Positions[row + t] = position + t;
            }
            sessions[i].Cache.EnsureCapacity(position + counts[i]);
        }
        _model.Rope.Angles(_b.Positions.Slice(0, rows), _b.RopeCos, _b.RopeSin);
        for (int layer = 0; layer < _c.LayerCount; layer++) Layer(weights.Layers[layer], sessions, counts, layer, rows);
        Logits(counts);
        for (int i = 0; i < n; i++) sessions[i].Advance(counts[i]);
        return _logits.AsSpan(0, n * v);
    }

    // Orders the sequences: runs long enough for the batch path first (_batchRows rows), then the rest.
    private int Layout(ReadOnlySpan<int> counts)
    {
        int n = counts.Length;
        if (_order.Length < n)
        {
            _order = new int[n];
            _rowStart = new int[n];
            _tokenStart = new int[n];
        }
        int at = 0, tokens = 0;
        for (int i = 0; i < n; i++)
        {
            if (counts[i] < 1) throw new ArgumentOutOfRangeException(nameof(counts), $"sequence {i} has {counts[i]} tokens; each needs at least one");
            _tokenStart[i] = tokens;
            tokens += counts[i];
        }
        foreach (bool batchPath in (ReadOnlySpan<bool>)[true, false])
        {
            for (int i = 0; i < n; i++)
            {
                if (UsesBatchPath(counts[i]) != batchPath) continue;
                _order[at++] = i;
            }
        }
        int row = 0;
        _batchRows = 0;
        for (int j = 0; j < n; j++)
        {
            _rowStart[j] = row;
            row += counts[_order[j]];
            if (UsesBatchPath(counts[_order[j]])) _batchRows = row;
        }
        return row;
    }

    private static bool UsesBatchPath(int count) => count >= WeightMatrix.DequantizedGemmMinRows;

    // DecoderLayer.Forward for rows that belong to different sequences.
    private void Layer(LayerWeights w, IReadOnlyList<LlmSession> sessions, ReadOnlySpan<int> counts, int layer, int rows)
    {
        int e = _c.EmbeddingLength, f = _c.FeedForwardLength, kw = _c.KeyWidth, vw = _c.ValueWidth, qw = _c.QueryWidth, aw = _c.AttentionOutputWidth;
        var arch = _model.Architecture;
        Span<float> x = _b.Residual.Slice(0, rows * e), h = _b.Normed.Slice(0, rows * e);
        // W_o and W_down write into h: it is dead by then (read only by the matmuls before), which saves an [n, E] buffer.
        Span<float> projected = h;

        Normalization.RmsNormForward(x, w.AttentionNorm, h, _b.Rstd.Slice(0, rows), rows, e, _c.RmsEpsilon);
        Span<float> q = _b.Query.Slice(0, rows * qw), k = _keys.AsSpan(0, rows * kw), val = _values.AsSpan(0, rows * vw);
        Multiply(w.Query, h, counts, q);
        Multiply(w.Key, h, counts, k);
        Multiply(w.Value, h, counts, val);
        AddToRows(q, w.QueryBias, rows);
        AddToRows(k, w.KeyBias, rows);
        AddToRows(val, w.ValueBias, rows);
        if (w.QueryNorm is not null) NormalizeHeads(q, w.QueryNorm, rows * _c.HeadCount);
        if (w.KeyNorm is not null) NormalizeHeads(k, w.KeyNorm, rows * _c.KvHeadCount);
        _model.Rope.Apply(q, rows, _c.HeadCount, arch.RopeStyle, _b.RopeCos, _b.RopeSin);
        _model.Rope.Apply(k, rows, _c.KvHeadCount, arch.RopeStyle, _b.RopeCos, _b.RopeSin);
        for (int j = 0; j < counts.Length; j++)
        {
            int i = _order[j], row = _rowStart[j], count = counts[i];
            var cache = sessions[i].Cache;
            int position = sessions[i].Position;
            k.Slice(row * kw, count * kw).CopyTo(cache.Keys(layer).Slice(position * kw, count * kw));
            val.Slice(row * vw, count * vw).CopyTo(cache.Values(layer).Slice(position * vw, count * vw));
        }
        _attention.Run(sessions, _order, _rowStart, _counts, counts.Length, _b.QueryData, _b.AttentionData, layer);
        Multiply(w.AttentionOutput, _b.Attention.Slice(0, rows * aw), counts, projected);
        TensorPrimitives.Add(x, projected, x);

        Normalization.RmsNormForward(x, w.FeedForwardNorm, h, _b.Rstd.Slice(0, rows), rows, e, _c.RmsEpsilon);
        Span<float> gate = _b.Gate.Slice(0, rows * f), up = _b.Up.Slice(0, rows * f);
        Multiply(w.Gate, h, counts, gate);
        Multiply(w.Up, h, counts, up);
        Activations.Silu(gate, gate);
        TensorPrimitives.Multiply(gate, up, gate);
        Multiply(w.Down, gate, counts, projected);
        TensorPrimitives.Add(x, projected, x);
    }

    // Each sequence's last row through the output norm and the vocabulary projection, by the path a lone session
    // takes for it (LlmSession.Logits: float activations after a batch-path run whose layers kept them, else the int8
    // mat-vec).
    private void Logits(ReadOnlySpan<int> counts)
    {
        int n = counts.Length, e = _c.EmbeddingLength, v = _c.VocabSize;
        var weights = _model.Weights;
        int floatSequences = 0;
        for (int j = 0; j < n; j++)
        {
            int i = _order[j], last = _rowStart[j] + counts[i] - 1;
            if (UsesBatchPath(counts[i]) && _batchKeepsFloatActivations) floatSequences = j + 1;
            // Row j of _normed is sequence _order[j]: the two blocks stay contiguous for the projection.
            Normalization.RmsNormForward(_b.Residual.Slice(last * e, e), weights.OutputNorm, _normed.AsSpan(j * e, e),
                _b.Rstd.Slice(0, 1), 1, e, _c.RmsEpsilon);
        }
        Grow(ref _ordered, n * v);
        var output = weights.Output;
        if (output.Type == GgmlType.F32 || !QuantMatMul.Supports(output.Type))
        {
            for (int j = 0; j < n; j++)
            {
                if (j < floatSequences) output.MatMulFloatActivations(_normed.AsSpan(j * e, e), 1, _ordered.AsSpan(j * v, v));
                else output.MatMul(_normed.AsSpan(j * e, e), 1, _ordered.AsSpan(j * v, v));
            }
        }
        else
        {
            if (floatSequences > 0)
                output.MatMulFloatActivations(_normed.AsSpan(0, floatSequences * e), floatSequences, _ordered.AsSpan(0, floatSequences * v));
            if (floatSequences < n)
                QuantMatMul.MatMul(output.Type, output.Bytes, output.Rows, output.Columns, _normed.AsSpan(floatSequences * e, (n - floatSequences) * e),
                    n - floatSequences, _ordered.AsSpan(floatSequences * v, (n - floatSequences) * v));
        }
        for (int j = 0; j < n; j++) _ordered.AsSpan(j * v, v).CopyTo(_logits.AsSpan(_order[j] * v, v));
    }

    // x·Wᵀ for every row: the batch-path block and the decode-path block each in one call (see the remarks), F32
    // weights one sequence at a time.
    private void Multiply(WeightMatrix w, ReadOnlySpan<float> x, ReadOnlySpan<int> counts, Span<float> y)
    {
        if (w.Type == GgmlType.F32 || !QuantMatMul.Supports(w.Type))
        {
            for (int j = 0; j < counts.Length; j++)
            {
                int row = _rowStart[j], count = counts[_order[j]];
                w.MatMul(x.Slice(row * w.Columns, count * w.Columns), count, y.Slice(row * w.Rows, count * w.Rows));
            }
            return;
        }
        int rows = _rowStart[counts.Length - 1] + counts[_order[counts.Length - 1]];
        if (_batchRows > 0)
            w.MatMulBatch(x[..(_batchRows * w.Columns)], _batchRows, y[..(_batchRows * w.Rows)]);
        if (_batchRows < rows)
            QuantMatMul.MatMul(w.Type, w.Bytes, w.Rows, w.Columns, x[(_batchRows * w.Columns)..(rows * w.Columns)], rows - _batchRows,
                y[(_batchRows * w.Rows)..(rows * w.Rows)]);
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
        Normalization.RmsNormForward(heads, weight, heads, _b.Rstd.Slice(0, count), count, _c.KeyLength, _c.RmsEpsilon);

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
