using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Loom.Kernels;
using Loom.Kernels.Threading;

namespace Loom.Inference;

/// <summary>
/// Causal grouped-query attention of a batch of new tokens over the KV cache: for token i (position p0 + i) and
/// query head h, softmax(q·Kᵀ/√Dk) over positions 0..p0+i of KV head h / g (g = Hq/Hkv), times V. One work item is
/// a (token, KV head) pair with its g query heads, so each cached K and V row is loaded once for the whole group.
/// Items are split into fixed chunks over the worker pool; each is computed start to end by one thread with its
/// chunk's scratch, so results do not depend on the thread count. One instance per session, reused.
/// </summary>
internal sealed unsafe class CausalAttention : IParallelWork
{
    /// <summary>Most parallel chunks (each owns g context-long rows of scores).</summary>
    private const int MaxChunks = 16;

    // Below this many multiply-adds waking helper threads costs more than it saves.
    private const long ParallelThreshold = 1 << 15;

    private readonly LlmConfig _c;
    private readonly int _group;
    private readonly float _scale;
    // [MaxChunks, g, capacity], native: a decode step's few chunks touch only their pages of it, so the rest is not
    // resident, and growing it leaves no garbage behind. Freed by the finalizer (one per session, as long-lived).
    private float* _scores;
    private int _capacity;
    private float* _query, _output, _keys, _values; // set for one Run
    private int _start, _tokens, _chunks;

    ~CausalAttention() => ReturnableMemory.Free(_scores);

    /// <summary>Frees the scores (a prompt's chunks touched all of them; decoding touches a few): the next
    /// <see cref="Run"/> allocates them again.</summary>
    public void Release()
    {
        ReturnableMemory.Free(_scores);
        _scores = null;
        _capacity = 0;
    }

    public CausalAttention(LlmConfig config)
    {
        _c = config;
        _group = config.HeadCount / config.KvHeadCount;
        _scale = 1f / MathF.Sqrt(config.KeyLength);
    }

    /// <summary>Attention of <paramref name="tokens"/> new tokens at positions start.. whose keys and values are
    /// already in the cache; writes [tokens, Hq·Dv] into <paramref name="output"/>.</summary>
    public void Run(float* query, KvCache cache, int layer, float* output, int start, int tokens)
    {
        if (_capacity < cache.Capacity)
        {
            // Grows with the cache (a few times per sequence at most), never per token.
            _capacity = cache.Capacity;
            ReturnableMemory.Free(_scores);
            _scores = null;
            _scores = (float*)ReturnableMemory.Allocate((long)MaxChunks * _group * _capacity * sizeof(float));
        }
        int items = tokens * _c.KvHeadCount;
        _query = query; _keys = cache.KeyData(layer); _values = cache.ValueData(layer); _output = output;
        _start = start; _tokens = tokens;
        _chunks = Math.Min(items, MaxChunks);
        long work = (long)_c.HeadCount * _c.KeyLength * tokens * (start + tokens);
        WorkerPool.Shared.For(_chunks, this, work < ParallelThreshold ? 1 : KernelOptions.Threads);
        _query = _output = _keys = _values = null;
    }

    public void Run(int chunk)
    {
        int items = _tokens * _c.KvHeadCount;
        int first = (int)((long)items * chunk / _chunks), end = (int)((long)items * (chunk + 1) / _chunks);
        float* scratch = _scores + (long)chunk * _group * _capacity;
        for (int item = first; item < end; item++)
            Group(item / _c.KvHeadCount, item % _c.KvHeadCount, _query, _keys, _values, _output, scratch);
    }

    private void Group(int token, int kvHead, float* query, float* keys, float* values, float* output, float* scores)
    {
        int dk = _c.KeyLength, dv = _c.ValueLength, g = _group;
        int length = _start + token + 1; // causal: this token sees itself and everything before it
        float* q = query + (long)token * _c.QueryWidth + kvHead * g * dk;      // the group's g query heads
        float* o = output + (long)token * _c.AttentionOutputWidth + kvHead * g * dv;
        float* k = keys + kvHead * dk;
        float* v = values + kvHead * dv;
        int keyWidth = _c.KeyWidth, valueWidth = _c.ValueWidth;

        for (int t = 0; t < length; t++)
        {
            float* row = k + (long)t * keyWidth;
            for (int h = 0; h < g; h++) scores[h * length + t] = Dot(q + h * dk, row, dk) * _scale;
        }
        for (int h = 0; h < g; h++)
        {
            var p = new Span<float>(scores + h * length, length);
            float max = TensorPrimitives.Max(p);
            TensorPrimitives.Subtract(p, max, p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Multiply(p, 1f / TensorPrimitives.Sum(p), p);
            WeightedSum(scores + h * length, v, valueWidth, length, o + h * dv, dv);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        if (!Vector256.IsHardwareAccelerated || n % 16 != 0)
            return TensorPrimitives.Dot(new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n));
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        for (int i = 0; i < n; i += 16)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    // out[0..n) = Σ_t p[t]·V[t], V rows valueWidth apart: 32 outputs at a time held in four registers across t.
    private static void WeightedSum(float* p, float* v, int valueWidth, int length, float* output, int n)
    {
        if (!Vector256.IsHardwareAccelerated || n % 32 != 0)
        {
            var o = new Span<float>(output, n);
            o.Clear();
            for (int t = 0; t < length; t++)
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v + (long)t * valueWidth, n), p[t], o, o);
            return;
        }
        for (int c = 0; c < n; c += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float* column = v + c;
            for (int t = 0; t < length; t++, column += valueWidth)
            {
                var w = Vector256.Create(p[t]);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(column), w, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(column + 8), w, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(column + 16), w, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(column + 24), w, a3);
            }
            a0.Store(output + c);
            a1.Store(output + c + 8);
            a2.Store(output + c + 16);
            a3.Store(output + c + 24);
        }
    }
}
