using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Loom.Kernels;
using Loom.Kernels.Threading;

// The attention tests run the tiled kernel single-threaded through its internal overload to measure its allocations.
[assembly: InternalsVisibleTo("Loom.Tests")]

namespace Loom.Tensors;

/// <summary>
/// Shapes of one attention call: q [B, Hq, T, D], k [B, Hkv, S, D], v [B, Hkv, S, Dv]; query head h reads kv head
/// h / (Hq / Hkv). With causal masking, query i sees keys 0 … i + S − T (aligned to the end, as with a KV cache).
/// </summary>
internal readonly record struct AttentionShape(int Batch, int QueryHeads, int KvHeads, int T, int S, int D, int Dv, bool Causal, float Scale)
{
    /// <summary>Query and key rows per tile: a 64×64 score tile and its 64-row operands stay in L1/L2.</summary>
    public const int Tile = 64;

    public int Group => QueryHeads / KvHeads;

    /// <summary>Below ~64³ multiply-adds, waking the worker pool costs more than a second thread saves.</summary>
    public bool IsSmall => (long)Batch * QueryHeads * T * S * (D + Dv) < 64L * 64 * 64;
    public int QueryTiles => (T + Tile - 1) / Tile;

    /// <summary>Keys visible to query row i: all S, or i + S − T + 1 under the causal mask.</summary>
    public int VisibleKeys(int i) => Causal ? Math.Clamp(i + S - T + 1, 0, S) : S;

    public int QueryOffset(int b, int h) => (b * QueryHeads + h) * T;
    public int KeyOffset(int b, int kvHead) => (b * KvHeads + kvHead) * S;
}

/// <summary>One thread's tile buffers, kept between calls so a forward pass allocates only its outputs.</summary>
internal sealed class AttentionScratch
{
    [ThreadStatic] private static AttentionScratch? t_current;

    public float[] Scores = [];
    public float[] Probabilities = [];
    public float[] Accumulator = [];
    public float[] RowMax = [];
    public float[] RowSum = [];

    public static AttentionScratch For(int dv)
    {
        var s = t_current ??= new AttentionScratch();
        int tile = AttentionShape.Tile;
        Grow(ref s.Scores, tile * tile);
        Grow(ref s.Probabilities, tile * tile);
        Grow(ref s.Accumulator, tile * dv);
        Grow(ref s.RowMax, tile);
        Grow(ref s.RowSum, tile);
        return s;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}

/// <summary>
/// The forward pass, one (batch, query head, query tile) per work index: scores against one key tile at a time,
/// an online softmax (running max and sum per row, rescaling the output accumulator when the max grows), and at the
/// end the output rows and their log-sum-exp. Never holds more than a tile of scores.
/// </summary>
internal sealed class AttentionForward(AttentionShape shape, ArraySegment<float> q, ArraySegment<float> k, ArraySegment<float> v,
    float[] output, float[] logSumExp) : IParallelWork
{
    public int Count => shape.Batch * shape.QueryHeads * shape.QueryTiles;

    public void Run(int index)
    {
        int tiles = shape.QueryTiles, d = shape.D, dv = shape.Dv, tile = AttentionShape.Tile;
        int bh = index / tiles, i0 = index % tiles * tile;
        int b = bh / shape.QueryHeads, h = bh % shape.QueryHeads;
        int rows = Math.Min(tile, shape.T - i0);
        int queryRow = shape.QueryOffset(b, h) + i0, keyRow = shape.KeyOffset(b, h / shape.Group);
        ReadOnlySpan<float> qTile = q.AsSpan(queryRow * d, rows * d);
        var scratch = AttentionScratch.For(dv);
        Span<float> acc = scratch.Accumulator.AsSpan(0, rows * dv), max = scratch.RowMax.AsSpan(0, rows), sum = scratch.RowSum.AsSpan(0, rows);
        acc.Clear();
        max.Fill(float.NegativeInfinity);
        sum.Clear();

        int keyEnd = shape.VisibleKeys(i0 + rows - 1);
        for (int j0 = 0; j0 < keyEnd; j0 += tile)
        {
            int cols = Math.Min(tile, keyEnd - j0);
            Span<float> p = scratch.Scores.AsSpan(0, rows * cols);
            Gemm.Multiply(qTile, k.AsSpan((keyRow + j0) * d, cols * d), p, rows, cols, d, transB: true);
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = p.Slice(r * cols, cols);
                int valid = Math.Clamp(shape.VisibleKeys(i0 + r) - j0, 0, cols);
                row[valid..].Clear(); // masked keys get probability 0
                if (valid == 0) continue;
                Span<float> scores = row[..valid];
                TensorPrimitives.Multiply(scores, shape.Scale, scores);
                float newMax = Math.Max(max[r], TensorPrimitives.Max(scores));
                TensorPrimitives.Subtract(scores, newMax, scores);
                TensorPrimitives.Exp(scores, scores);
                // Earlier tiles were weighted by exp(−oldMax); move them to exp(−newMax).
                float correction = MathF.Exp(max[r] - newMax);
                sum[r] = sum[r] * correction + TensorPrimitives.Sum(scores);
                if (correction != 1f)
                {
                    Span<float> accRow = acc.Slice(r * dv, dv);
                    TensorPrimitives.Multiply(accRow, correction, accRow);
                }
                max[r] = newMax;
            }
            Gemm.Multiply(p, v.AsSpan((keyRow + j0) * dv, cols * dv), acc, rows, dv, cols, accumulate: true);
        }

        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Multiply(acc.Slice(r * dv, dv), 1f / sum[r], output.AsSpan((queryRow + r) * dv, dv));
            logSumExp[queryRow + r] = max[r] + MathF.Log(sum[r]);
        }
    }
}

/// <summary>
/// The FlashAttention-2 backward pass, one (batch, kv head) per work index so the kv head's dK and dV are summed by
/// one thread in a fixed order (deterministic for any thread count). Score tiles are recomputed from q, k and the
/// saved log-sum-exp: P = exp(scale·QKᵀ − lse), dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
/// dQ += scale·dS·K, dK += scale·dSᵀ·Q.
/// </summary>
internal sealed class AttentionBackward(AttentionShape shape, ArraySegment<float> q, ArraySegment<float> k, ArraySegment<float> v,
    float[] output, float[] logSumExp, ArraySegment<float> dOutput, float[]? dq, float[]? dk, float[]? dv) : IParallelWork
{
    public int Count => shape.Batch * shape.KvHeads;

    public void Run(int index)
    {
        int b = index / shape.KvHeads, kvHead = index % shape.KvHeads;
        int d = shape.D, dvDim = shape.Dv, tile = AttentionShape.Tile;
        int keyRow = shape.KeyOffset(b, kvHead);
        var scratch = AttentionScratch.For(dvDim);
        Span<float> delta = scratch.RowSum.AsSpan(0, tile);
        for (int h = kvHead * shape.Group; h < (kvHead + 1) * shape.Group; h++)
        for (int i0 = 0; i0 < shape.T; i0 += tile)
        {
            int rows = Math.Min(tile, shape.T - i0), queryRow = shape.QueryOffset(b, h) + i0;
            ReadOnlySpan<float> qTile = q.AsSpan(queryRow * d, rows * d);
            ReadOnlySpan<float> doTile = dOutput.AsSpan(queryRow * dvDim, rows * dvDim);
            for (int r = 0; r < rows; r++)
                delta[r] = TensorPrimitives.Dot(doTile.Slice(r * dvDim, dvDim), output.AsSpan((queryRow + r) * dvDim, dvDim));

            int keyEnd = shape.VisibleKeys(i0 + rows - 1);
            for (int j0 = 0; j0 < keyEnd; j0 += tile)
            {
                int cols = Math.Min(tile, keyEnd - j0);
                Span<float> p = scratch.Probabilities.AsSpan(0, rows * cols), ds = scratch.Scores.AsSpan(0, rows * cols);
                ReadOnlySpan<float> kTile = k.AsSpan((keyRow + j0) * d, cols * d);
                Gemm.Multiply(qTile, kTile, p, rows, cols, d, transB: true);
                for (int r = 0; r < rows; r++)
                {
                    Span<float> row = p.Slice(r * cols, cols);
                    int valid = Math.Clamp(shape.VisibleKeys(i0 + r) - j0, 0, cols);
                    row[valid..].Clear();
                    Span<float> scores = row[..valid];
                    TensorPrimitives.Multiply(scores, shape.Scale, scores);
                    TensorPrimitives.Subtract(scores, logSumExp[queryRow + r], scores);
                    TensorPrimitives.Exp(scores, scores);
                }
                if (dv != null)
                    Gemm.Multiply(p, doTile, dv.AsSpan((keyRow + j0) * dvDim, cols * dvDim), cols, dvDim, rows, transA: true, accumulate: true);
                if (dq is null && dk is null) continue;
                Gemm.Multiply(doTile, v.AsSpan((keyRow + j0) * dvDim, cols * dvDim), ds, rows, cols, dvDim, transB: true);
                for (int r = 0; r < rows; r++)
                {
                    // dS = scale · P ⊙ (dP − Δ); masked entries have P = 0 and stay 0.
                    Span<float> dsRow = ds.Slice(r * cols, cols);
                    TensorPrimitives.Subtract(dsRow, delta[r], dsRow);
                    TensorPrimitives.Multiply(dsRow, p.Slice(r * cols, cols), dsRow);
                    TensorPrimitives.Multiply(dsRow, shape.Scale, dsRow);
                }
                if (dq != null) Gemm.Multiply(ds, kTile, dq.AsSpan(queryRow * d, rows * d), rows, d, cols, accumulate: true);
                if (dk != null) Gemm.Multiply(ds, qTile, dk.AsSpan((keyRow + j0) * d, cols * d), cols, d, rows, transA: true, accumulate: true);
            }
        }
    }
}
