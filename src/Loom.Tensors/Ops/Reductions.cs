using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// Reductions along dimensions: sum, mean, max, arg-max, log-sum-exp, variance. Negative dimensions count from the
/// end. A reduced dimension is dropped, or kept with size 1 when keepDim. Every reduction runs in a fixed order on
/// one thread, so results never depend on the thread count.
/// </summary>
public static partial class Ops
{
    public static Tensor Sum(Tensor a, int dim, bool keepDim = false) => Sum(a, [dim], keepDim);

    public static Tensor Sum(Tensor a, int[] dims, bool keepDim = false)
    {
        bool[] reduced = ReducedDims(a, dims, "sum");
        var (data, shape) = SumOver(a, reduced);
        return FromReduction("sum", a, data, shape, reduced, keepDim, g => g);
    }

    /// <summary>Mean of all elements, as a rank-0 tensor.</summary>
    public static Tensor Mean(Tensor a)
    {
        int n = a.Length;
        if (n == 0) throw LoomException.Shape("mean", $"cannot average the empty tensor {ShapeUtil.Format(a.Shape)}");
        var values = a.Detach().Contiguous().AsSpan();
        double sum = 0;
        foreach (float v in values) sum += v;
        int[] shape = a.ShapeArray;
        return Tensor.FromOp("mean", [a], [(float)(sum / n)], [], g => [Tensor.Full(g.Item() / n, shape)]);
    }

    public static Tensor Mean(Tensor a, int dim, bool keepDim = false) => Mean(a, [dim], keepDim);

    public static Tensor Mean(Tensor a, int[] dims, bool keepDim = false)
    {
        bool[] reduced = ReducedDims(a, dims, "mean");
        int count = 1;
        for (int d = 0; d < a.Rank; d++) if (reduced[d]) count *= a.Size(d);
        if (count == 0) throw LoomException.Shape("mean", $"cannot average over an empty dimension of {ShapeUtil.Format(a.Shape)}");
        float scale = 1f / count;
        var (data, shape) = SumOver(a, reduced);
        TensorPrimitives.Multiply(data, scale, data);
        return FromReduction("mean", a, data, shape, reduced, keepDim, g => Scale(g, scale));
    }

    /// <summary>Largest value along <paramref name="dim"/>; the gradient goes to the first position holding it.</summary>
    public static Tensor Max(Tensor a, int dim, bool keepDim = false)
    {
        int d = ReduceDim(a, dim, "max");
        if (a.Size(d) == 0) throw LoomException.Shape("max", $"dimension {d} of {ShapeUtil.Format(a.Shape)} is empty");
        int[] argMax = ArgMaxAlong(a, d);
        var x = a.Detach().Contiguous().AsSpan();
        var data = new float[argMax.Length];
        for (int i = 0; i < data.Length; i++) data[i] = x[argMax[i]];
        int[] shape = a.ShapeArray;
        shape[d] = 1;
        int length = a.Length;
        int[] aShape = a.ShapeArray;
        return Tensor.FromOp("max", [a], data, KeepShape(shape, d, keepDim), g =>
        {
            var dy = g.Contiguous().AsSpan();
            var dx = new float[length];
            for (int i = 0; i < argMax.Length; i++) dx[argMax[i]] += dy[i];
            return [new Tensor(dx, aShape)];
        });
    }

    /// <summary>
    /// Index (0..size−1) of the largest value along <paramref name="dim"/>, the first one at ties, for every
    /// position of the other dimensions in row-major order. Not differentiable.
    /// </summary>
    public static int[] ArgMax(Tensor a, int dim)
    {
        int d = ReduceDim(a, dim, "argmax");
        var (_, size, inner) = Split(a.Shape, d);
        if (size == 0) throw LoomException.Shape("argmax", $"dimension {d} of {ShapeUtil.Format(a.Shape)} is empty");
        int[] flat = ArgMaxAlong(a, d);
        // Flat offsets → index along the dimension.
        for (int i = 0; i < flat.Length; i++) flat[i] = flat[i] / inner % size;
        return flat;
    }

    /// <summary>log Σ exp(x) along <paramref name="dim"/>, shifted by the maximum so it neither overflows nor underflows.</summary>
    public static Tensor LogSumExp(Tensor a, int dim, bool keepDim = false)
    {
        int d = ReduceDim(a, dim, "logsumexp");
        var (outer, size, inner) = Split(a.Shape, d);
        var input = a.Detach().Contiguous();
        ReadOnlySpan<float> x = input.AsSpan();
        var data = new float[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i;
                float max = float.NegativeInfinity;
                for (int r = 0; r < size; r++) max = MathF.Max(max, x[start + r * inner]);
                // All −∞ (or empty): the sum is 0 and the result −∞; shifting by −∞ would make NaN.
                float shift = float.IsNegativeInfinity(max) ? 0f : max;
                double sum = 0;
                for (int r = 0; r < size; r++) sum += Math.Exp(x[start + r * inner] - shift);
                data[o * inner + i] = shift + (float)Math.Log(sum);
            }
        int[] shape = a.ShapeArray;
        shape[d] = 1;
        int[] aShape = a.ShapeArray;
        return Tensor.FromOp("logsumexp", [a], data, KeepShape(shape, d, keepDim), g =>
        {
            // d lse / dx = softmax(x) = exp(x − lse).
            var dy = g.Contiguous().AsSpan();
            var xs = input.AsSpan();
            var dx = new float[xs.Length];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    int row = o * inner + i, start = o * size * inner + i;
                    if (float.IsNegativeInfinity(data[row])) continue;
                    for (int r = 0; r < size; r++)
                    {
                        int j = start + r * inner;
                        dx[j] = dy[row] * MathF.Exp(xs[j] - data[row]);
                    }
                }
            return [new Tensor(dx, aShape)];
        });
    }

    /// <summary>
    /// Variance along <paramref name="dim"/>: Σ(x − mean)² / (n − 1) when <paramref name="unbiased"/> (the sample
    /// variance), else / n (the population variance used by normalization layers). Built from differentiable ops.
    /// </summary>
    public static Tensor Variance(Tensor a, int dim, bool keepDim = false, bool unbiased = false)
    {
        int d = ReduceDim(a, dim, "variance");
        int n = a.Size(d);
        if (n - (unbiased ? 1 : 0) <= 0)
            throw LoomException.Shape("variance", $"dimension {d} of {ShapeUtil.Format(a.Shape)} has {n} elements, too few for {(unbiased ? "an unbiased" : "a")} variance");
        var centered = Sub(a, Mean(a, d, keepDim: true));
        var sumSq = Sum(Square(centered), d, keepDim);
        return Scale(sumSq, 1f / (n - (unbiased ? 1 : 0)));
    }

    // ---- shared helpers (also used by the joining, indexing and selection ops) ----

    /// <summary>A row-major shape seen as [outer, size, inner] around dimension <paramref name="dim"/>.</summary>
    internal static (int Outer, int Size, int Inner) Split(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape[dim], inner);
    }

    private static int ReduceDim(Tensor a, int dim, string op)
    {
        if (a.Rank == 0) throw LoomException.Shape(op, "cannot reduce a rank-0 tensor along a dimension");
        return ShapeUtil.NormalizeDim(dim, a.Rank, op);
    }

    private static bool[] ReducedDims(Tensor a, int[] dims, string op)
    {
        var reduced = new bool[a.Rank];
        foreach (int dim in dims)
        {
            int d = ReduceDim(a, dim, op);
            if (reduced[d]) throw LoomException.Argument($"{op}: dimension {dim} is listed twice in {ShapeUtil.Format(dims)}");
            reduced[d] = true;
        }
        return reduced;
    }

    /// <summary>Sums over the reduced dimensions, one at a time from the last; the shape keeps them with size 1.</summary>
    private static (float[] Data, int[] KeptShape) SumOver(Tensor a, bool[] reduced)
    {
        float[] data = a.ToArray();
        int[] shape = a.ShapeArray;
        for (int d = a.Rank - 1; d >= 0; d--)
        {
            if (!reduced[d]) continue;
            data = SumAlong(data, shape, d);
            shape[d] = 1;
        }
        return (data, shape);
    }

    /// <summary>Sums a contiguous array of <paramref name="shape"/> along one dimension (adding whole inner rows at a time).</summary>
    private static float[] SumAlong(float[] x, int[] shape, int dim)
    {
        var (outer, size, inner) = Split(shape, dim);
        var result = new float[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            Span<float> dst = result.AsSpan(o * inner, inner);
            if (inner == 1)
            {
                // Reducing the last dimension: one contiguous row per output.
                dst[0] = TensorPrimitives.Sum(x.AsSpan(o * size, size));
                continue;
            }
            for (int r = 0; r < size; r++) TensorPrimitives.Add(dst, x.AsSpan((o * size + r) * inner, inner), dst);
        }
        return result;
    }

    /// <summary>Flat row-major offset of the first maximum along <paramref name="dim"/>, for every output position.</summary>
    private static int[] ArgMaxAlong(Tensor a, int dim)
    {
        var (outer, size, inner) = Split(a.Shape, dim);
        ReadOnlySpan<float> x = a.Detach().Contiguous().AsSpan();
        var result = new int[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i, best = start;
                for (int r = 1; r < size; r++)
                {
                    int j = start + r * inner;
                    if (x[j] > x[best]) best = j;
                }
                result[o * inner + i] = best;
            }
        return result;
    }

    /// <summary>The output shape: with a size-1 dimension at <paramref name="dim"/>, or without it.</summary>
    private static int[] KeepShape(int[] withOne, int dim, bool keepDim)
    {
        if (keepDim) return withOne;
        var list = new List<int>(withOne);
        list.RemoveAt(dim);
        return list.ToArray();
    }

    /// <summary>
    /// The result of a sum-like reduction: <paramref name="data"/> holds the values laid out in
    /// <paramref name="keptShape"/> (reduced dimensions of size 1). Backward scales the gradient with
    /// <paramref name="scaleGrad"/> and broadcasts it back over the reduced dimensions.
    /// </summary>
    private static Tensor FromReduction(string op, Tensor a, float[] data, int[] keptShape, bool[] reduced, bool keepDim,
        Func<Tensor, Tensor> scaleGrad)
    {
        var shape = new List<int>();
        for (int d = 0; d < keptShape.Length; d++) if (keepDim || !reduced[d]) shape.Add(keptShape[d]);
        int[] aShape = a.ShapeArray;
        return Tensor.FromOp(op, [a], data, shape.ToArray(), g => [scaleGrad(g).Reshape(keptShape).Expand(aShape)]);
    }
}
