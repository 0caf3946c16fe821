using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Tensors;

/// <summary>Picking elements by integer index: whole slices (<see cref="IndexSelect"/>) or single elements (<see cref="Gather"/>).</summary>
public static partial class Ops
{
    /// <summary>
    /// The slices of x at positions <paramref name="index"/> along <paramref name="dim"/>, in that order (repeats
    /// allowed): the result has index.Length in that dimension. Gradients of repeated positions add up.
    /// </summary>
    public static Tensor IndexSelect(Tensor x, int dim, int[] index)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank, "index_select");
        var (outer, size, inner) = Split(x.Shape, d);
        for (int j = 0; j < index.Length; j++)
            if ((uint)index[j] >= (uint)size)
                throw LoomException.Argument($"index_select: index {index[j]} at position {j} is out of range for dimension {d} of size {size} in {ShapeUtil.Format(x.Shape)}");

        ReadOnlySpan<float> src = x.Detach().Contiguous().AsSpan();
        int count = index.Length;
        var data = new float[outer * count * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < count; j++)
                src.Slice((o * size + index[j]) * inner, inner).CopyTo(data.AsSpan((o * count + j) * inner, inner));

        int[] shape = x.ShapeArray;
        shape[d] = count;
        int[] own = (int[])index.Clone();
        int[] xShape = x.ShapeArray;
        return Tensor.FromOp("index_select", [x], data, shape, g =>
        {
            ReadOnlySpan<float> dy = g.Contiguous().AsSpan();
            var dx = new float[outer * size * inner];
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < count; j++)
                {
                    Span<float> dst = dx.AsSpan((o * size + own[j]) * inner, inner);
                    TensorPrimitives.Add(dst, dy.Slice((o * count + j) * inner, inner), dst);
                }
            return [new Tensor(dx, xShape)];
        });
    }

    /// <summary>
    /// torch.gather: out[i₀…iₙ] = x[i₀…index[i₀…iₙ]…iₙ] with the index replacing position <paramref name="dim"/>.
    /// <paramref name="index"/> holds the row-major values of an integer tensor of shape <paramref name="indexShape"/>,
    /// which has x's rank and is no larger than x in every other dimension; the result has that shape.
    /// Gradients of repeated picks add up.
    /// </summary>
    public static Tensor Gather(Tensor x, int dim, int[] index, int[] indexShape)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank, "gather");
        int rank = x.Rank;
        bool fits = indexShape.Length == rank;
        for (int i = 0; fits && i < rank; i++) fits = indexShape[i] >= 0 && (i == d || indexShape[i] <= x.Size(i));
        if (!fits)
            throw LoomException.Shape("gather", $"index shape {ShapeUtil.Format(indexShape)} does not fit input {ShapeUtil.Format(x.Shape)} along dimension {d}");
        if (ShapeUtil.Product(indexShape) != index.Length)
            throw LoomException.Shape("gather", $"index shape {ShapeUtil.Format(indexShape)} needs {ShapeUtil.Product(indexShape)} values, found {index.Length}");
        int size = x.Size(d);
        for (int j = 0; j < index.Length; j++)
            if ((uint)index[j] >= (uint)size)
                throw LoomException.Argument($"gather: index {index[j]} at position {j} is out of range for dimension {d} of size {size} in {ShapeUtil.Format(x.Shape)}");

        // Flat offset in x of every picked element, so forward reads and backward scatters through one table.
        int[] xStrides = ShapeUtil.ContiguousStrides(x.Shape);
        var offsets = new int[index.Length];
        var position = new int[rank];
        for (int j = 0; j < index.Length; j++)
        {
            int off = 0;
            for (int i = 0; i < rank; i++) off += (i == d ? index[j] : position[i]) * xStrides[i];
            offsets[j] = off;
            for (int i = rank - 1; i >= 0; i--)
            {
                if (++position[i] < indexShape[i]) break;
                position[i] = 0;
            }
        }

        ReadOnlySpan<float> src = x.Detach().Contiguous().AsSpan();
        var data = new float[offsets.Length];
        for (int j = 0; j < offsets.Length; j++) data[j] = src[offsets[j]];
        int[] xShape = x.ShapeArray;
        int length = x.Length;
        return Tensor.FromOp("gather", [x], data, (int[])indexShape.Clone(), g =>
        {
            ReadOnlySpan<float> dy = g.Contiguous().AsSpan();
            var dx = new float[length];
            for (int j = 0; j < offsets.Length; j++) dx[offsets[j]] += dy[j];
            return [new Tensor(dx, xShape)];
        });
    }
}
