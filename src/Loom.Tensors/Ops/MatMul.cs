using System.Numerics.Tensors;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>Matrix products through <see cref="Gemm"/>: batched, broadcasting <see cref="MatMul"/> and the fused <see cref="Linear"/>.</summary>
public static partial class Ops
{
    /// <summary>
    /// [..., m, k]·[..., k, n] → [..., m, n]; batch dimensions broadcast (e.g. [B,H,T,D]·[B,H,D,S], [B,T,C]·[C,N]).
    /// Both operands need rank ≥ 2. An operand whose last two dimensions are a transposed contiguous view is passed
    /// to GEMM with its transpose flag instead of being copied.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank < 2 || b.Rank < 2)
            throw LoomException.Shape("matmul", $"{ShapeUtil.Format(a.Shape)} · {ShapeUtil.Format(b.Shape)}: both operands need at least 2 dimensions");
        int m = a.Size(-2), k = a.Size(-1), n = b.Size(-1);
        if (b.Size(-2) != k)
            throw LoomException.Shape("matmul", $"{ShapeUtil.Format(a.Shape)} · {ShapeUtil.Format(b.Shape)}: inner dimensions {k} and {b.Size(-2)} differ");

        // [..., m, k]·[k, n]: fold the batch into the rows so the whole product (and dB = Aᵀ·dC) is one GEMM
        // instead of a batch of small ones plus a sum over the batch.
        if (b.Rank == 2 && a.Rank > 2)
        {
            int[] outShape = a.ShapeArray;
            outShape[^1] = n;
            return MatMul(a.Reshape(ShapeUtil.Product(a.Shape[..^1]), k), b).Reshape(outShape);
        }

        int[] batch = ShapeUtil.Broadcast(a.Shape[..^2], b.Shape[..^2], "matmul");
        int[] shape = [.. batch, m, n];
        var data = StorageArena.New(ShapeUtil.Product(shape));
        var left = MatrixOperand.Of(a);
        var right = MatrixOperand.Of(b);
        int[] aOffsets = left.BatchOffsets(batch), bOffsets = right.BatchOffsets(batch);
        for (int i = 0; i < aOffsets.Length; i++)
        {
            Gemm.Multiply(left.Matrix(aOffsets[i]), right.Matrix(bOffsets[i]), data.AsSpan(i * m * n, m * n), m, n, k,
                left.Transposed, right.Transposed);
        }

        int[] aShape = a.ShapeArray, bShape = b.ShapeArray;
        return Tensor.FromOp("matmul", [a, b], data, shape, g => [
            // dA = dC·Bᵀ, dB = Aᵀ·dC; the transposes are views, so GEMM gets them as flags. Summing over the
            // batch dimensions an operand was broadcast along brings each gradient back to its operand's shape.
            a.RequiresGrad ? Tensor.SumToShape(MatMul(g, b.Transpose(-1, -2)), aShape) : null,
            b.RequiresGrad ? Tensor.SumToShape(MatMul(a.Transpose(-1, -2), g), bShape) : null]);
    }

    /// <summary>
    /// x·wᵀ + bias as one op, the fully connected layer: x [..., in], w [out, in], bias [out] (optional) →
    /// [..., out]. Leading dimensions of x are flattened into rows, so forward and both weight gradients are single GEMMs.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? bias = null)
    {
        if (x.Rank < 1 || w.Rank != 2 || x.Size(-1) != w.Size(1))
            throw LoomException.Shape("linear", $"input {ShapeUtil.Format(x.Shape)} and weight {ShapeUtil.Format(w.Shape)} do not fit: expected [..., in] and [out, in]");
        int inFeatures = w.Size(1), outFeatures = w.Size(0);
        if (bias != null && (bias.Rank != 1 || bias.Size(0) != outFeatures))
            throw LoomException.Shape("linear", $"bias {ShapeUtil.Format(bias.Shape)} does not fit weight {ShapeUtil.Format(w.Shape)}: expected [{outFeatures}]");
        int rows = ShapeUtil.Product(x.Shape[..^1]);

        var input = x.Detach().Contiguous();
        var weight = MatrixOperand.Of(w);
        int[] shape = x.ShapeArray;
        shape[^1] = outFeatures;
        var data = StorageArena.NewUninitialized(rows * outFeatures); // the GEMM writes every element
        // y = x·wᵀ: w stored [out, in] is already Bᵀ, so it goes in with transB; a transposed view of a stored
        // [in, out] matrix is B itself.
        Gemm.Multiply(input.AsSpan(), weight.First, data, rows, outFeatures, inFeatures, false, !weight.Transposed);
        if (bias != null)
        {
            ReadOnlySpan<float> bv = bias.Detach().Contiguous().AsSpan();
            for (int r = 0; r < rows; r++)
            {
                Span<float> row = data.AsSpan(r * outFeatures, outFeatures);
                TensorPrimitives.Add(row, bv, row);
            }
        }

        Tensor?[] Backward(Tensor g)
        {
            ReadOnlySpan<float> dy = g.Contiguous().AsSpan();
            Tensor? dx = null, dw = null, db = null;
            if (x.RequiresGrad)
            {
                // dx = dy·w: [rows, out]·[out, in].
                var grad = StorageArena.NewUninitialized(x.Length);
                Gemm.Multiply(dy, weight.First, grad, rows, inFeatures, outFeatures, false, weight.Transposed);
                dx = new Tensor(grad, x.ShapeArray);
            }
            if (w.RequiresGrad)
            {
                // dw = dyᵀ·x: [out, rows]·[rows, in].
                var grad = StorageArena.NewUninitialized(w.Length);
                Gemm.Multiply(dy, input.AsSpan(), grad, outFeatures, inFeatures, rows, true, false);
                dw = new Tensor(grad, w.ShapeArray);
            }
            if (bias is { RequiresGrad: true })
            {
                var grad = StorageArena.New(outFeatures);
                for (int r = 0; r < rows; r++) TensorPrimitives.Add(grad, dy.Slice(r * outFeatures, outFeatures), grad);
                db = new Tensor(grad, outFeatures);
            }
            return bias is null ? [dx, dw] : [dx, dw, db];
        }

        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return Tensor.FromOp("linear", inputs, data, shape, Backward);
    }

    /// <summary>
    /// The storage of one GEMM operand [..., r, c]: each matrix is either row-major (strides [c, 1]) or a transposed
    /// contiguous view (strides [1, r], i.e. a c×r row-major matrix read with GEMM's transpose flag). Anything else
    /// is copied to contiguous first. Batch dimensions keep whatever strides they have (0 when broadcast).
    /// </summary>
    private readonly struct MatrixOperand
    {
        private readonly Tensor _tensor;
        private readonly int _size;

        public bool Transposed { get; }

        private MatrixOperand(Tensor tensor, bool transposed)
        {
            _tensor = tensor;
            _size = tensor.Size(-2) * tensor.Size(-1);
            Transposed = transposed;
        }

        public static MatrixOperand Of(Tensor t)
        {
            var view = t.Detach();
            int r = view.Size(-2), c = view.Size(-1);
            int rs = view.Strides[^2], cs = view.Strides[^1];
            if ((c == 1 || cs == 1) && (r == 1 || rs == c)) return new MatrixOperand(view, false);
            if ((r == 1 || rs == 1) && (c == 1 || cs == r)) return new MatrixOperand(view, true);
            return new MatrixOperand(view.Contiguous(), false);
        }

        public ReadOnlySpan<float> Matrix(int offset) => _tensor.Storage.AsSpan(offset, _size);

        /// <summary>The matrix of an operand without batch dimensions.</summary>
        public ReadOnlySpan<float> First => Matrix(_tensor.Offset);

        /// <summary>Storage offset of this operand's matrix for each index of the broadcast batch shape, row-major.</summary>
        public int[] BatchOffsets(int[] batch)
        {
            int count = ShapeUtil.Product(batch);
            var offsets = new int[count];
            int rank = batch.Length, lead = rank - (_tensor.Rank - 2);
            var strides = new int[rank];
            for (int d = lead; d < rank; d++)
                strides[d] = _tensor.Shape[d - lead] == 1 ? 0 : _tensor.Strides[d - lead];
            var index = new int[rank];
            int off = _tensor.Offset;
            for (int i = 0; i < count; i++)
            {
                offsets[i] = off;
                for (int d = rank - 1; d >= 0; d--)
                {
                    index[d]++;
                    off += strides[d];
                    if (index[d] < batch[d]) break;
                    off -= strides[d] * index[d];
                    index[d] = 0;
                }
            }
            return offsets;
        }
    }
}
