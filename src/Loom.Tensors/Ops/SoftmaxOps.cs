using SoftmaxKernel = Loom.Kernels.Softmax;

namespace Loom.Tensors;

/// <summary>Softmax and log-softmax along one dimension, through the row kernels of Loom.Kernels.Softmax.</summary>
public static partial class Ops
{
    /// <summary>exp(x − max) / Σ exp(x − max) along <paramref name="dim"/> (the last by default).</summary>
    public static Tensor Softmax(Tensor x, int dim = -1) => AlongLastDim(x, dim, "softmax", SoftmaxLastDim);

    /// <summary>x − log Σ exp(x) along <paramref name="dim"/> (the last by default), without forming the softmax.</summary>
    public static Tensor LogSoftmax(Tensor x, int dim = -1) => AlongLastDim(x, dim, "log_softmax", LogSoftmaxLastDim);

    private static Tensor SoftmaxLastDim(Tensor x) => RowOp("softmax", x, SoftmaxKernel.Forward, SoftmaxKernel.Backward);

    private static Tensor LogSoftmaxLastDim(Tensor x) => RowOp("log_softmax", x, SoftmaxKernel.LogForward, SoftmaxKernel.LogBackward);

    /// <summary>
    /// Applies a last-dimension op along any dimension: the dimension is swapped to the end (a view), the op runs
    /// on rows, and the result is swapped back and made contiguous. The views carry their own gradients.
    /// </summary>
    private static Tensor AlongLastDim(Tensor x, int dim, string op, Func<Tensor, Tensor> lastDimOp)
    {
        int d = ShapeUtil.NormalizeDim(dim, x.Rank, op);
        if (d == x.Rank - 1) return lastDimOp(x);
        return lastDimOp(x.Transpose(d, -1)).Transpose(d, -1).Contiguous();
    }

    private delegate void RowForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols);

    private delegate void RowBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols);

    /// <summary>An op over the rows of the last dimension whose backward needs only its output (softmax, log-softmax).</summary>
    private static Tensor RowOp(string op, Tensor x, RowForward forward, RowBackward backward)
    {
        int cols = x.Size(-1), rows = cols == 0 ? 0 : x.Length / cols;
        var y = StorageArena.New(x.Length);
        forward(x.Detach().Contiguous().AsSpan(), y, rows, cols);
        int[] shape = x.ShapeArray;
        return Tensor.FromOp(op, [x], y, shape, g =>
        {
            var dx = StorageArena.New(y.Length);
            backward(y, g.Contiguous().AsSpan(), dx, rows, cols);
            return [new Tensor(dx, shape)];
        });
    }
}
