using System.Numerics.Tensors;

namespace Loom.Kernels;

/// <summary>
/// Row-wise softmax and log-softmax over a row-major rows×cols matrix, with their backward passes.
/// Numerically stable (the row max is subtracted before exp). Every destination may be the same span as an input
/// (in place), but must not partially overlap one. A row that is entirely −∞ (fully masked) gives NaN, as in
/// PyTorch: callers that mask must leave at least one finite logit per row. Same contract as
/// <see cref="SoftmaxReference"/>.
/// </summary>
public static class Softmax
{
    // Scratch for the passes that need exp() of a row without overwriting it; rows longer than this go in chunks.
    private const int ChunkLength = 512;

    /// <summary>y = exp(x − max) / Σ exp(x − max), per row.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        Validate("softmax", "x", x.Length, "y", y.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            float max = TensorPrimitives.Max(xr);
            TensorPrimitives.Subtract(xr, max, yr);
            TensorPrimitives.Exp(yr, yr);
            float sum = TensorPrimitives.Sum(yr);
            TensorPrimitives.Multiply(yr, 1f / sum, yr);
        }
    }

    /// <summary>y = x − max − log Σ exp(x − max), per row.</summary>
    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        Validate("log-softmax", "x", x.Length, "y", y.Length, rows, cols);
        if (cols == 0) return;
        Span<float> scratch = stackalloc float[Math.Min(cols, ChunkLength)];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            float max = TensorPrimitives.Max(xr);
            TensorPrimitives.Subtract(xr, max, yr);
            float sum = 0;
            for (int start = 0; start < cols; start += scratch.Length)
            {
                int n = Math.Min(scratch.Length, cols - start);
                TensorPrimitives.Exp(yr.Slice(start, n), scratch[..n]);
                sum += TensorPrimitives.Sum(scratch[..n]);
            }
            TensorPrimitives.Subtract(yr, MathF.Log(sum), yr);
        }
    }

    /// <summary>dx = y ⊙ (dy − Σ dy·y), per row, where y is the softmax output.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        ValidateBackward("softmax backward", "y", y.Length, dy.Length, dx.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yr = y.Slice(r * cols, cols);
            ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
            float dot = TensorPrimitives.Dot(dyr, yr);
            TensorPrimitives.AddMultiply(dyr, -dot, yr, dx.Slice(r * cols, cols));
        }
    }

    /// <summary>dx = dy − softmax ⊙ Σ dy, per row, where logY is the log-softmax output (softmax = exp(logY)).</summary>
    public static void LogBackward(ReadOnlySpan<float> logY, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        ValidateBackward("log-softmax backward", "logY", logY.Length, dy.Length, dx.Length, rows, cols);
        if (cols == 0) return;
        Span<float> scratch = stackalloc float[Math.Min(cols, ChunkLength)];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> ly = logY.Slice(r * cols, cols);
            ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
            Span<float> dxr = dx.Slice(r * cols, cols);
            float sum = TensorPrimitives.Sum(dyr);
            // Chunked so dx may alias dy or logY: each chunk reads its inputs before writing the same positions.
            for (int start = 0; start < cols; start += scratch.Length)
            {
                int n = Math.Min(scratch.Length, cols - start);
                Span<float> softmax = scratch[..n];
                TensorPrimitives.Exp(ly.Slice(start, n), softmax);
                TensorPrimitives.MultiplyAdd(softmax, -sum, dyr.Slice(start, n), dxr.Slice(start, n));
            }
        }
    }

    internal static void Validate(string op, string inName, int inLength, string outName, int outLength, int rows, int cols)
    {
        RowChecks.Dimensions(op, rows, cols);
        RowChecks.Matrix(op, inName, inLength, rows, cols);
        RowChecks.Matrix(op, outName, outLength, rows, cols);
    }

    internal static void ValidateBackward(string op, string yName, int yLength, int dyLength, int dxLength, int rows, int cols)
    {
        Validate(op, yName, yLength, "dy", dyLength, rows, cols);
        RowChecks.Matrix(op, "dx", dxLength, rows, cols);
    }
}
