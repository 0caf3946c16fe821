using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// A float32 n-dimensional array: a storage array shared by views, an offset, a shape and strides (in elements).
/// Tensors produced by ops while gradients are enabled remember how they were made (<see cref="Node"/>), so
/// <see cref="Backward"/> can send gradients back to the leaves that have <see cref="RequiresGrad"/> set.
/// </summary>
public sealed partial class Tensor
{
    internal readonly float[] Storage;
    internal readonly int Offset;
    private readonly int[] _shape;
    private readonly int[] _strides;

    /// <summary>Gradient of the last backward pass(es), accumulated; only leaves keep one.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>How this tensor was computed; null for leaves and for tensors made without gradient tracking.</summary>
    internal GradNode? Node { get; private set; }

    private bool _requiresGrad;

    /// <summary>Whether gradients flow to (or through) this tensor. Settable only on leaves.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (Node != null && !value)
                throw LoomException.Argument("RequiresGrad can only be cleared on a leaf tensor; use Detach() instead");
            _requiresGrad = value;
        }
    }

    /// <summary>Optional label used in error messages and debugging.</summary>
    public string? Name { get; set; }

    internal Tensor(float[] storage, int offset, int[] shape, int[] strides)
    {
        Storage = storage;
        Offset = offset;
        _shape = shape;
        _strides = strides;
        Length = ShapeUtil.Product(shape);
    }

    /// <summary>Wraps <paramref name="data"/> (no copy) as a contiguous tensor of the given shape.</summary>
    public Tensor(float[] data, params int[] shape) : this(data, 0, ShapeUtil.Check(shape, data.Length), ShapeUtil.ContiguousStrides(shape))
    {
    }

    public ReadOnlySpan<int> Shape => _shape;
    public ReadOnlySpan<int> Strides => _strides;
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Size of one dimension; negative indices count from the end.</summary>
    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim(dim, Rank, "Size")];

    /// <summary>A copy of the shape.</summary>
    public int[] ShapeArray => (int[])_shape.Clone();

    internal int[] ShapeRef => _shape;
    internal int[] StridesRef => _strides;

    public bool IsContiguous => ShapeUtil.IsContiguous(_shape, _strides);

    /// <summary>The elements of a contiguous tensor, read-only. Call <see cref="Contiguous"/> first for a view.</summary>
    public ReadOnlySpan<float> AsSpan()
    {
        RequireContiguous("AsSpan");
        return Storage.AsSpan(Offset, Length);
    }

    /// <summary>
    /// The elements of a contiguous tensor, writable in place. Writing bypasses autograd: use it for parameter
    /// updates and initialization, not inside a computation you differentiate.
    /// </summary>
    public Span<float> DataSpan
    {
        get
        {
            RequireContiguous("DataSpan");
            return Storage.AsSpan(Offset, Length);
        }
    }

    private void RequireContiguous(string what)
    {
        if (!IsContiguous)
            throw LoomException.Argument($"{what}: tensor {ShapeUtil.Format(_shape)} is a non-contiguous view; call Contiguous() first");
    }

    /// <summary>A fresh array with the elements in row-major order.</summary>
    public float[] ToArray()
    {
        var result = new float[Length];
        StridedCopy.CopyTo(this, result);
        return result;
    }

    /// <summary>The elements in row-major order, in storage for an op's result (recycled in a <see cref="StorageArena"/>).</summary>
    internal float[] CopyToStorage()
    {
        var result = StorageArena.NewUninitialized(Length);
        StridedCopy.CopyTo(this, result);
        return result;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw LoomException.Shape("Item", $"expected one element, found shape {ShapeUtil.Format(_shape)}");
        return Storage[Offset];
    }

    /// <summary>Element at a full index (row-major coordinates).</summary>
    [System.Runtime.CompilerServices.IndexerName("ElementAt")]
    public float this[params int[] index]
    {
        get => Storage[ElementOffset(index)];
    }

    internal int ElementOffset(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
            throw LoomException.Shape("index", $"expected {Rank} indices for shape {ShapeUtil.Format(_shape)}, found {index.Length}");
        int off = Offset;
        for (int d = 0; d < Rank; d++)
        {
            int i = index[d];
            if (i < 0) i += _shape[d];
            if ((uint)i >= (uint)_shape[d])
                throw LoomException.Argument($"index: {index[d]} is out of range for dimension {d} of size {_shape[d]}");
            off += i * _strides[d];
        }
        return off;
    }

    /// <summary>Same shape and values, contiguous; returns this tensor when it already is.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var data = CopyToStorage();
        return FromOp("contiguous", [this], data, _shape, g => [g]);
    }

    /// <summary>A copy that shares nothing with this tensor and is cut from the graph.</summary>
    public Tensor Clone() => new(ToArray(), ShapeArray);

    /// <summary>The same values, cut from the graph (shares storage).</summary>
    public Tensor Detach() => new(Storage, Offset, _shape, _strides);

    public override string ToString() => $"Tensor{ShapeUtil.Format(_shape)}{(Name is null ? "" : " " + Name)}";

    /// <summary>
    /// Builds an op's result. When gradients are enabled and an input needs one, the result records the op so
    /// backward can call <paramref name="backward"/>: given the gradient of the result, it returns one gradient per
    /// input (same shape as that input), or null where an input needs none.
    /// </summary>
    internal static Tensor FromOp(string op, Tensor[] inputs, float[] data, int[] shape, Func<Tensor, Tensor?[]> backward)
    {
        var result = new Tensor(data, 0, shape, ShapeUtil.ContiguousStrides(shape));
        result.AttachNode(op, inputs, backward);
        return result;
    }

    /// <summary>Records the op on a result made elsewhere (views share storage, so they build their own tensor).</summary>
    internal Tensor AttachNode(string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!GradMode.IsEnabled) return this;
        foreach (var input in inputs)
        {
            if (input.RequiresGrad)
            {
                Node = new GradNode(op, inputs, backward);
                _requiresGrad = true;
                return this;
            }
        }
        return this;
    }
}
