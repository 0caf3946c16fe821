using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Threading;

namespace Loom.Tensors;

/// <summary>Scaled dot-product attention computed in tiles (FlashAttention-style), with grouped-query heads.</summary>
public static partial class Ops
{
    /// <summary>
    /// softmax(q·kᵀ·scale + mask)·v for q [B, Hq, T, D], k [B, Hkv, S, D], v [B, Hkv, S, Dv] → [B, Hq, T, Dv].
    /// Hq must be a multiple of Hkv; query head h uses kv head h / (Hq / Hkv). With <paramref name="causal"/>, query i
    /// attends to keys 0 … i + S − T (the mask is aligned to the end, so S &gt; T works as with a KV cache).
    /// <paramref name="scale"/> defaults to 1/√D. Memory is O(T·Dv) per head: the T×S score matrix is never
    /// formed, forward or backward (which recomputes score tiles from the saved per-row log-sum-exp).
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, bool causal = true, float? scale = null) =>
        ScaledDotProductAttention(q, k, v, causal, scale, KernelOptions.Threads);

    /// <summary>As the public overload, on up to <paramref name="threads"/> threads (tests measure it single-threaded).</summary>
    internal static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, bool causal, float? scale, int threads)
    {
        var shape = AttentionShapeOf(q, k, v, causal, scale);
        ArraySegment<float> qs = DenseValues.Segment(q), ks = DenseValues.Segment(k), vs = DenseValues.Segment(v);
        var output = StorageArena.New(shape.Batch * shape.QueryHeads * shape.T * shape.Dv);
        var logSumExp = StorageArena.New(shape.Batch * shape.QueryHeads * shape.T);
        var forward = new AttentionForward(shape, qs, ks, vs, output, logSumExp);
        WorkerPool.Shared.For(forward.Count, forward, shape.IsSmall ? 1 : threads);

        return Tensor.FromOp("scaled_dot_product_attention", [q, k, v], output, [shape.Batch, shape.QueryHeads, shape.T, shape.Dv], g =>
        {
            float[]? dq = q.RequiresGrad ? StorageArena.New(q.Length) : null;
            float[]? dk = k.RequiresGrad ? StorageArena.New(k.Length) : null;
            float[]? dv = v.RequiresGrad ? StorageArena.New(v.Length) : null;
            var backward = new AttentionBackward(shape, qs, ks, vs, output, logSumExp, DenseValues.Segment(g), dq, dk, dv);
            WorkerPool.Shared.For(backward.Count, backward, shape.IsSmall ? 1 : KernelOptions.Threads);
            return [
                dq is null ? null : new Tensor(dq, q.ShapeArray),
                dk is null ? null : new Tensor(dk, k.ShapeArray),
                dv is null ? null : new Tensor(dv, v.ShapeArray)];
        });
    }

    private static AttentionShape AttentionShapeOf(Tensor q, Tensor k, Tensor v, bool causal, float? scale)
    {
        const string op = "scaled_dot_product_attention";
        string qs = ShapeUtil.Format(q.Shape), ks = ShapeUtil.Format(k.Shape), vs = ShapeUtil.Format(v.Shape);
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
            throw LoomException.Shape(op, $"q, k and v must be [B, H, T, D], found q {qs}, k {ks}, v {vs}");
        int batch = q.Size(0), heads = q.Size(1), t = q.Size(2), d = q.Size(3);
        int kvHeads = k.Size(1), s = k.Size(2);
        if (k.Size(0) != batch || v.Size(0) != batch)
            throw LoomException.Shape(op, $"batch sizes differ: q {qs}, k {ks}, v {vs}");
        if (k.Size(3) != d)
            throw LoomException.Shape(op, $"q {qs} and k {ks} must have the same head size D");
        if (v.Size(1) != kvHeads || v.Size(2) != s)
            throw LoomException.Shape(op, $"k {ks} and v {vs} must have the same heads and length S");
        if (kvHeads == 0 || heads % kvHeads != 0)
            throw LoomException.Shape(op, $"q {qs} has {heads} heads, not a multiple of the {kvHeads} kv heads of k {ks}");
        if (causal && s < t)
            throw LoomException.Shape(op, $"causal attention needs at least as many keys as queries (the mask is aligned to the end), found q {qs} and k {ks}");
        float actualScale = scale ?? 1f / MathF.Sqrt(d);
        if (!float.IsFinite(actualScale)) throw LoomException.Argument($"{op}: scale must be finite, found {actualScale}");
        if (!causal && s == 0 && t > 0)
            throw LoomException.Shape(op, $"attention over zero keys is undefined, found k {ks}");
        return new AttentionShape(batch, heads, kvHeads, t, s, d, v.Size(3), causal, actualScale);
    }
}
