using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// Views share storage with their source and only change offset, shape and strides. Each records a backward rule
/// that maps the gradient back onto the source's shape.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>The same elements in a new shape; one dimension may be -1 (inferred). Copies only if non-contiguous.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int[] target = ResolveShape(shape);
        var src = Contiguous();
        var view = new Tensor(src.Storage, src.Offset, target, ShapeUtil.ContiguousStrides(target));
        int[] original = ShapeArray;
        return view.AttachNode("reshape", [src], g => [g.Reshape(original)]);
    }

    private int[] ResolveShape(int[] shape)
    {
        int[] target = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (infer >= 0) throw LoomException.Shape("reshape", $"only one dimension may be -1, found {ShapeUtil.Format(shape)}");
                infer = i;
            }
            else if (target[i] < 0) throw LoomException.Shape("reshape", $"negative dimension in {ShapeUtil.Format(shape)}");
            else known *= target[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0)
                throw LoomException.Shape("reshape", $"cannot reshape {ShapeUtil.Format(_shape)} ({Length} elements) to {ShapeUtil.Format(shape)}");
            target[infer] = (int)(Length / known);
        }
        if (ShapeUtil.Product(target) != Length)
            throw LoomException.Shape("reshape", $"cannot reshape {ShapeUtil.Format(_shape)} ({Length} elements) to {ShapeUtil.Format(shape)}");
        return target;
    }

    /// <summary>Collapses dimensions [start..end] (inclusive) into one.</summary>
    public Tensor Flatten(int start = 0, int end = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeUtil.NormalizeDim(start, Rank, "flatten"), e = ShapeUtil.NormalizeDim(end, Rank, "flatten");
        var shape = new List<int>();
        for (int d = 0; d < s; d++) shape.Add(_shape[d]);
        int merged = 1;
        for (int d = s; d <= e; d++) merged *= _shape[d];
        shape.Add(merged);
        for (int d = e + 1; d < Rank; d++) shape.Add(_shape[d]);
        return Reshape(shape.ToArray());
    }

    /// <summary>Reorders dimensions: result dimension i is source dimension perm[i].</summary>
    public Tensor Permute(params int[] perm)
    {
        if (perm.Length != Rank)
            throw LoomException.Shape("permute", $"expected {Rank} dimensions for shape {ShapeUtil.Format(_shape)}, found {perm.Length}");
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int p = ShapeUtil.NormalizeDim(perm[i], Rank, "permute");
            if (seen[p]) throw LoomException.Shape("permute", $"dimension {p} appears twice in {ShapeUtil.Format(perm)}");
            seen[p] = true;
            shape[i] = _shape[p];
            strides[i] = _strides[p];
            inverse[p] = i;
        }
        var view = new Tensor(Storage, Offset, shape, strides);
        return view.AttachNode("permute", [this], g => [g.Permute(inverse)]);
    }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++) perm[i] = i;
        int a = ShapeUtil.NormalizeDim(dim0, Rank, "transpose"), b = ShapeUtil.NormalizeDim(dim1, Rank, "transpose");
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Elements start..start+length-1 along one dimension (a view).</summary>
    public Tensor Slice(int dim, int start, int length)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "slice");
        if (start < 0 || length < 0 || start + length > _shape[d])
            throw LoomException.Shape("slice", $"range [{start}, {start + length}) is outside dimension {d} of size {_shape[d]} in {ShapeUtil.Format(_shape)}");
        var shape = ShapeArray;
        shape[d] = length;
        var view = new Tensor(Storage, Offset + start * _strides[d], shape, (int[])_strides.Clone());
        int[] sourceShape = ShapeArray;
        return view.AttachNode("slice", [this], g =>
        {
            // Scatter the gradient into a zero tensor of the source's shape.
            var full = Zeros(sourceShape);
            var window = new Tensor(full.Storage, start * full._strides[d], g.ShapeArray, (int[])full._strides.Clone());
            StridedWrite(window, g);
            return [full];
        });
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = dim < 0 ? dim + Rank + 1 : dim;
        if (d < 0 || d > Rank) throw LoomException.Argument($"unsqueeze: dimension {dim} is out of range for a rank-{Rank} tensor");
        var shape = new List<int>(_shape);
        shape.Insert(d, 1);
        return Reshape(shape.ToArray());
    }

    /// <summary>Removes a dimension of size 1.</summary>
    public Tensor Squeeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "squeeze");
        if (_shape[d] != 1) throw LoomException.Shape("squeeze", $"dimension {d} of {ShapeUtil.Format(_shape)} has size {_shape[d]}, not 1");
        var shape = new List<int>(_shape);
        shape.RemoveAt(d);
        return Reshape(shape.ToArray());
    }

    /// <summary>Broadcasts to a larger shape (NumPy rules) without copying: repeated dimensions get stride 0.</summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Rank)
            throw LoomException.Shape("expand", $"cannot expand {ShapeUtil.Format(_shape)} to fewer dimensions {ShapeUtil.Format(shape)}");
        var strides = new int[shape.Length];
        int lead = shape.Length - Rank;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead) { strides[i] = 0; continue; }
            int s = _shape[i - lead];
            if (s == shape[i]) strides[i] = _strides[i - lead];
            else if (s == 1) strides[i] = 0;
            else throw LoomException.Shape("expand", $"cannot expand {ShapeUtil.Format(_shape)} to {ShapeUtil.Format(shape)}");
        }
        if (ShapeUtil.SameShape(shape, _shape)) return this;
        var view = new Tensor(Storage, Offset, (int[])shape.Clone(), strides);
        int[] sourceShape = ShapeArray;
        return view.AttachNode("expand", [this], g => [SumToShape(g, sourceShape)]);
    }

    /// <summary>
    /// Sums a gradient over the dimensions that broadcasting added or stretched, so it matches
    /// <paramref name="shape"/> again. The backward half of every broadcasting op.
    /// </summary>
    public static Tensor SumToShape(Tensor g, int[] shape)
    {
        if (ShapeUtil.SameShape(g.Shape, shape)) return g;
        int rank = g.Rank, lead = rank - shape.Length;
        if (lead < 0) throw LoomException.Shape("sum_to_shape", $"cannot reduce {ShapeUtil.Format(g.Shape)} to {ShapeUtil.Format(shape)}");
        var result = StorageArena.New(ShapeUtil.Product(shape));
        var src = g.Contiguous();
        ReadOnlySpan<float> gs = src.AsSpan();
        int[] gShape = src.ShapeRef;
        // Strides of the result, laid over g's dimensions (0 where the result is broadcast).
        var outStrides = new int[rank];
        var contiguous = ShapeUtil.ContiguousStrides(shape);
        for (int d = 0; d < rank; d++)
        {
            if (d < lead) continue;
            int s = shape[d - lead];
            if (s != 1 && s != gShape[d]) throw LoomException.Shape("sum_to_shape", $"cannot reduce {ShapeUtil.Format(g.Shape)} to {ShapeUtil.Format(shape)}");
            outStrides[d] = s == 1 ? 0 : contiguous[d - lead];
        }
        var index = new int[rank];
        int outOff = 0;
        for (int i = 0; i < gs.Length; i++)
        {
            result[outOff] += gs[i];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                outOff += outStrides[d];
                if (index[d] < gShape[d]) break;
                outOff -= outStrides[d] * index[d];
                index[d] = 0;
            }
        }
        return new Tensor(result, (int[])shape.Clone());
    }

    /// <summary>Writes the values of <paramref name="src"/> (same shape) into the possibly strided view <paramref name="dst"/>.</summary>
    internal static void StridedWrite(Tensor dst, Tensor src)
    {
        var values = src.ToArray();
        if (values.Length == 0) return;
        int[] shape = dst.ShapeRef, strides = dst.StridesRef;
        int rank = shape.Length;
        if (rank == 0) { dst.Storage[dst.Offset] = values[0]; return; }
        var index = new int[rank];
        int off = dst.Offset;
        for (int i = 0; i < values.Length; i++)
        {
            dst.Storage[off] = values[i];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                off += strides[d];
                if (index[d] < shape[d]) break;
                off -= strides[d] * index[d];
                index[d] = 0;
            }
        }
    }
}
