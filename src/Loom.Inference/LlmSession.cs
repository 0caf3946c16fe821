using Loom.Core;
using Loom.Kernels;
using Loom.Text.Sampling;

namespace Loom.Inference;

/// <summary>
/// One sequence being decoded by an <see cref="LlmModel"/>: its KV cache and every activation buffer, allocated
/// once here. <see cref="Forward"/> takes new tokens (a prompt is split into batches of up to <see cref="BatchSize"/>
/// tokens, which pick the arithmetic, each run through the layers in chunks of at most <see cref="ChunkRows"/> rows,
/// which bound the activation memory; a single token is a pure mat-vec over the mapped weights) and returns the next
/// token's logits. A one-token Forward allocates nothing, except on the few steps where the KV cache doubles.
/// Not thread-safe: one per sequence.
/// </summary>
public sealed class LlmSession : ILogitSource, IDisposable
{
    private readonly LlmModel _model;
    private readonly LlmConfig _c;
    private readonly SessionBuffers _buffers;
    private readonly DecoderLayer _layer;
    private readonly CausalAttention _attention;
    private readonly bool _batchKeepsFloatActivations;

    /// <summary>
    /// Default for <see cref="ChunkRows"/>, a memory/speed trade. Activations take ~39 KB per row for a 1024-wide
    /// model with a 2816-wide feed-forward: 128 rows hold 4.9 MB where a whole 512-token batch held 21 MB (1.8× its
    /// own KV cache). Fewer rows per GEMM call dequantize every weight panel once per chunk instead of once per batch;
    /// measured (pp512 of a 200M model, 1 thread, process CPU time against one 512-row pass): 64 rows +36 %, 128 rows
    /// +15–17 % (F16, Q8_0, Q4_K_M), 256 rows +3–6 %. 256 is the default: prompt speed is held against llama.cpp's
    /// (≥ 0.8×) while the buffers stay at ~9.8 MB; pass a smaller chunk to CreateSession where memory matters more.
    /// </summary>
    public const int DefaultChunkRows = 256;

    internal LlmSession(LlmModel model, int batchSize, int chunkRows = DefaultChunkRows)
    {
        _model = model;
        _c = model.Config;
        if (batchSize < 1) throw LoomException.Argument($"batch size must be at least 1, found {batchSize}");
        if (chunkRows < 2 * WeightMatrix.DequantizedGemmMinRows)
            throw LoomException.Argument($"chunk rows must be at least {2 * WeightMatrix.DequantizedGemmMinRows} (so a split batch keeps its arithmetic), found {chunkRows}");
        BatchSize = Math.Min(batchSize, _c.ContextLength);
        ChunkRows = chunkRows;
        Cache = new KvCache(_c);
        _buffers = new SessionBuffers(_c, Math.Min(BatchSize, ChunkRows));
        _attention = new CausalAttention(_c);
        _layer = new DecoderLayer(_c, model.Architecture, model.Rope, _attention);
        _batchKeepsFloatActivations = BatchKeepsFloatActivations(model.Weights);
    }

    /// <summary>True when no layer matrix's batch path quantizes activations to int8
    /// (<see cref="WeightMatrix.BatchQuantizesActivations"/>): a batched prompt then runs on float activations
    /// throughout, and its last row is projected the same way.</summary>
    internal static bool BatchKeepsFloatActivations(LlmWeights weights) =>
        !weights.Layers.Any(l => l.Query.BatchQuantizesActivations || l.Key.BatchQuantizesActivations || l.Value.BatchQuantizesActivations ||
            l.AttentionOutput.BatchQuantizesActivations || l.Gate.BatchQuantizesActivations || l.Up.BatchQuantizesActivations ||
            l.Down.BatchQuantizesActivations);

    /// <summary>The most tokens the session holds (the model's context length, or the override given at load).</summary>
    public int ContextLength => _c.ContextLength;

    /// <summary>Tokens already in the KV cache; the next token goes at this position.</summary>
    public int Position { get; private set; }

    /// <summary>Most prompt tokens treated as one batch: a batch of at least
    /// <see cref="WeightMatrix.DequantizedGemmMinRows"/> tokens multiplies by the batch path
    /// (<see cref="WeightMatrix.MatMulBatch"/>), a shorter one (the tail of a long prompt, a short turn) as decode does.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// Most rows (tokens) pushed through the layers at once, so the activation buffers stay bounded however long the
    /// batch. A longer batch is cut into equal chunks of more than half this size: every chunk of a batch of 16+
    /// tokens then has 16+ rows and takes the batch path as the whole batch would, and a GEMM's row i
    /// does not depend on the other rows, so the logits and cache are the bits one whole-batch pass gives.
    /// </summary>
    public int ChunkRows { get; }

    public KvCache Cache { get; }

    /// <summary>Bytes of activation buffers the session holds now: one row's after a prompt (its rows are freed
    /// when it is done), more only while a multi-token call runs.</summary>
    public long BufferBytes => _buffers.Bytes;

    /// <summary>The most bytes of activation buffers the session has held at once (a prompt's chunk rows).</summary>
    public long PeakBufferBytes { get; private set; }

    internal LlmModel Model => _model;

    /// <summary>Moves past tokens whose K/V rows a batched step (Batching/BatchedDecoder) wrote into the cache.</summary>
    internal void Advance(int tokens) => Position += tokens;

    /// <summary>Empties the sequence (the cache is overwritten as tokens arrive).</summary>
    public void Reset() => Position = 0;

    /// <summary>Gives the KV cache and activation buffers (native memory) back now rather than when the session is
    /// collected; the session cannot be used after.</summary>
    public void Dispose()
    {
        Cache.Dispose();
        _buffers.Dispose();
    }

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
        // Room for the whole call at once: growing batch by batch would leave each smaller cache behind as garbage.
        Cache.EnsureCapacity(Position + newTokens.Length);
        for (int done = 0; done < newTokens.Length; done += BatchSize)
        {
            int batch = Math.Min(BatchSize, newTokens.Length - done);
            int chunks = (batch + ChunkRows - 1) / ChunkRows, rows = 0;
            for (int k = 0; k < chunks; k++)
            {
                int from = (int)((long)batch * k / chunks);
                rows = (int)((long)batch * (k + 1) / chunks) - from;
                Chunk(newTokens.Slice(done + from, rows));
                if (hiddenSum is not null) AddNormedRows(rows, hiddenSum);
            }
            if (hiddenSum is null && done + batch == newTokens.Length)
                Logits(rows - 1, floatActivations: batch >= WeightMatrix.DequantizedGemmMinRows && _batchKeepsFloatActivations);
        }
        PeakBufferBytes = Math.Max(PeakBufferBytes, _buffers.Bytes);
        if (newTokens.Length > 1) ReleasePromptMemory();
    }

    // A prompt's chunk-sized buffers (~10 MB for a 1024-wide model at 256 rows), the GEMM's packing buffers
    // (~2.5 MB) and the attention scores of all its chunks are dead weight while decoding, which takes one row, no
    // GEMM and a few chunks of scores: all are native and go back to the OS now. The next prompt allocates them again: a few milliseconds of page faults against a prompt's seconds.
    private void ReleasePromptMemory()
    {
        _buffers.Release();
        _attention.Release();
        Gemm.ReleaseThreadScratch();
    }

    // Rows at positions Position.. through every layer; their K and V rows land in the cache.
    private void Chunk(ReadOnlySpan<int> tokens)
    {
        var weights = _model.Weights;
        int n = tokens.Length, start = Position;
        _buffers.EnsureRows(n); // before the loop below writes into them
        for (int i = 0; i < n; i++)
        {
            weights.TokenEmbedding.ReadRow(tokens[i], _buffers.Residual.Slice(i * _c.EmbeddingLength, _c.EmbeddingLength));
            _buffers.Positions[i] = start + i;
        }
        _model.Rope.Angles(_buffers.Positions.Slice(0, n), _buffers.RopeCos, _buffers.RopeSin);
        for (int layer = 0; layer < _c.LayerCount; layer++)
            _layer.Forward(weights.Layers[layer], _buffers, Cache, layer, start, n);
        Position += n;
    }

    private void AddNormedRows(int n, float[] sum)
    {
        int e = _c.EmbeddingLength;
        for (int row = 0; row < n; row++)
        {
            Normalization.RmsNormForward(_buffers.Residual.Slice(row * e, e), _model.Weights.OutputNorm, _buffers.LastNormed,
                _buffers.Rstd.Slice(0, 1), 1, e, _c.RmsEpsilon);
            System.Numerics.Tensors.TensorPrimitives.Add(sum, _buffers.LastNormed, sum);
        }
    }

    // Only the last token's logits are wanted: final norm and the vocabulary projection on that one row.
    private void Logits(int row, bool floatActivations)
    {
        int e = _c.EmbeddingLength;
        Normalization.RmsNormForward(_buffers.Residual.Slice(row * e, e), _model.Weights.OutputNorm, _buffers.LastNormed,
            _buffers.Rstd.Slice(0, 1), 1, e, _c.RmsEpsilon);
        // A batch long enough for the batch path projects its last row with float activations (the dequantizing GEMM)
        // when its layers kept them, so such a prompt's logits come from one arithmetic throughout (llama.cpp's f32
        // reference); where the layers quantized activations to int8 (QuantGemm), the decode mat-vec's int8 arithmetic
        // (ggml's, whatever the output matrix's type) finishes it.
        if (floatActivations)
            _model.Weights.Output.MatMulFloatActivations(_buffers.LastNormed, 1, _buffers.Logits);
        else
            DecodeMatVec.Multiply(_buffers.LastNormed, 1, _model.Weights.Output, _buffers.Logits);
    }
}
