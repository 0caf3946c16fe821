using System.Numerics.Tensors;
using Loom.Kernels;
using Loom.Kernels.Threading;

namespace Loom.Inference;

/// <summary>
/// Causal grouped-query attention of a batch of new tokens over the KV cache: for token i (position p0 + i) and
/// query head h, softmax(q·Kᵀ/√Dk) over positions 0..p0+i of KV head h / (Hq/Hkv), times V. The (token, head)
/// items are split into fixed chunks over the worker pool; each item is computed start to end by one thread with
/// its chunk's scratch row, so results do not depend on the thread count. One instance per session, reused.
/// </summary>
internal sealed class CausalAttention : IParallelWork
{
    /// <summary>Most parallel chunks (each owns one context-long row of scores).</summary>
    public const int MaxChunks = 16;

    // Below this many multiply-adds waking helper threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    private readonly LlmConfig _c;
    private readonly float _scale;
    private float[] _query = [], _keys = [], _values = [], _output = [], _scores = [];
    private int _start, _tokens, _chunks;

    public CausalAttention(LlmConfig config)
    {
        _c = config;
        _scale = 1f / MathF.Sqrt(config.KeyLength);
    }

    /// <summary>Attention of <paramref name="tokens"/> new tokens at positions start.. whose keys and values are
    /// already in the cache; writes [tokens, Hq·Dv] into <paramref name="output"/>.</summary>
    public void Run(float[] query, float[] keys, float[] values, float[] output, float[] scores, int start, int tokens)
    {
        int items = tokens * _c.HeadCount;
        _query = query; _keys = keys; _values = values; _output = output; _scores = scores;
        _start = start; _tokens = tokens;
        _chunks = Math.Min(items, MaxChunks);
        long work = (long)_c.HeadCount * _c.KeyLength * tokens * (start + tokens);
        WorkerPool.Shared.For(_chunks, this, work < ParallelThreshold ? 1 : KernelOptions.Threads);
        _query = _keys = _values = _output = _scores = [];
    }

    public void Run(int chunk)
    {
        int items = _tokens * _c.HeadCount;
        int first = (int)((long)items * chunk / _chunks), end = (int)((long)items * (chunk + 1) / _chunks);
        Span<float> scores = _scores.AsSpan(chunk * _c.ContextLength, _c.ContextLength);
        for (int item = first; item < end; item++) Head(item / _c.HeadCount, item % _c.HeadCount, scores);
    }

    private void Head(int token, int head, Span<float> scoresRow)
    {
        int dk = _c.KeyLength, dv = _c.ValueLength, kvHead = head / (_c.HeadCount / _c.KvHeadCount);
        int length = _start + token + 1; // causal: this token sees itself and everything before it
        ReadOnlySpan<float> q = _query.AsSpan(token * _c.QueryWidth + head * dk, dk);
        Span<float> scores = scoresRow[..length];
        int keyWidth = _c.KeyWidth, valueWidth = _c.ValueWidth;
        for (int t = 0; t < length; t++)
            scores[t] = TensorPrimitives.Dot(q, _keys.AsSpan(t * keyWidth + kvHead * dk, dk)) * _scale;
        float max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        float sum = TensorPrimitives.Sum(scores);
        TensorPrimitives.Multiply(scores, 1f / sum, scores);
        Span<float> output = _output.AsSpan(token * _c.AttentionOutputWidth + head * dv, dv);
        output.Clear();
        for (int t = 0; t < length; t++)
            TensorPrimitives.MultiplyAdd(_values.AsSpan(t * valueWidth + kvHead * dv, dv), scores[t], output, output);
    }
}
