using Loom.Core;

namespace Loom.Tensors;

/// <summary>Joining tensors along a dimension and cutting them apart again.</summary>
public static partial class Ops
{
    /// <summary>
    /// Joins tensors along <paramref name="dim"/>; every other dimension must match. The result is a fresh
    /// contiguous tensor; each input's gradient is its slice of the result's.
    /// </summary>
    public static Tensor Concat(IReadOnlyList<Tensor> xs, int dim)
    {
        if (xs.Count == 0) throw LoomException.Argument("concat: needs at least one tensor");
        var first = xs[0];
        int d = ShapeUtil.NormalizeDim(dim, first.Rank, "concat");
        int total = 0;
        foreach (var x in xs)
        {
            bool fits = x.Rank == first.Rank;
            for (int i = 0; fits && i < x.Rank; i++) fits = i == d || x.Size(i) == first.Size(i);
            if (!fits)
                throw LoomException.Shape("concat", $"{ShapeUtil.Format(first.Shape)} and {ShapeUtil.Format(x.Shape)} differ outside dimension {d}");
            total += x.Size(d);
        }

        int[] shape = first.ShapeArray;
        shape[d] = total;
        var (outer, _, inner) = Split(shape, d);
        var data = new float[ShapeUtil.Product(shape)];
        int offset = 0;
        var sizes = new int[xs.Count];
        for (int k = 0; k < xs.Count; k++)
        {
            // Each input is [outer, size, inner]: its o-th block of size·inner lands at column `offset` of block o.
            int size = sizes[k] = xs[k].Size(d);
            ReadOnlySpan<float> src = xs[k].Detach().Contiguous().AsSpan();
            int block = size * inner;
            for (int o = 0; o < outer; o++)
                src.Slice(o * block, block).CopyTo(data.AsSpan((o * total + offset) * inner, block));
            offset += size;
        }

        Tensor[] inputs = [.. xs];
        return Tensor.FromOp("concat", inputs, data, shape, g =>
        {
            var grads = new Tensor?[inputs.Length];
            for (int k = 0, start = 0; k < inputs.Length; start += sizes[k], k++)
                if (inputs[k].RequiresGrad) grads[k] = g.Slice(d, start, sizes[k]).Contiguous();
            return grads;
        });
    }

    /// <summary>Consecutive pieces of the given sizes along <paramref name="dim"/> (views sharing x's storage); the sizes must add up to that dimension.</summary>
    public static Tensor[] Split(Tensor x, int[] sizes, int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank, "split");
        if (sizes.Any(s => s < 0) || sizes.Sum() != x.Size(d))
            throw LoomException.Shape("split", $"sizes {ShapeUtil.Format(sizes)} do not add up to dimension {d} of {ShapeUtil.Format(x.Shape)}");
        var pieces = new Tensor[sizes.Length];
        for (int k = 0, start = 0; k < sizes.Length; start += sizes[k], k++) pieces[k] = x.Slice(d, start, sizes[k]);
        return pieces;
    }

    /// <summary>
    /// Splits <paramref name="dim"/> into pieces of ⌈size/n⌉ (the last may be smaller), as torch.chunk: there may be
    /// fewer than n pieces when the size does not divide evenly.
    /// </summary>
    public static Tensor[] Chunk(Tensor x, int n, int dim)
    {
        if (n <= 0) throw LoomException.Argument($"chunk: the number of chunks must be positive, found {n}");
        int d = ShapeUtil.NormalizeDim(dim, x.Rank, "chunk");
        int length = x.Size(d);
        if (length == 0) return [x];
        int step = (length + n - 1) / n;
        var sizes = new List<int>();
        for (int start = 0; start < length; start += step) sizes.Add(Math.Min(step, length - start));
        return Split(x, sizes.ToArray(), d);
    }
}
