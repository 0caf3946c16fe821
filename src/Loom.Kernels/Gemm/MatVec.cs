using Loom.Core;
using Loom.Kernels.Threading;

namespace Loom.Kernels;

/// <summary>
/// Matrix-vector products for one token at a time (GEMM with m = 1), where the work is streaming the weights once:
/// no packing, rows (or column strips) split across the worker pool. Weights are row-major rows×cols.
/// Each output element's sum order depends only on the shape, never on the thread count. y must not overlap the
/// weights or x.
/// </summary>
public static class MatVec
{
    // Below this many weights (1 MB) waking the pool costs more than it saves.
    private const long ParallelThreshold = 1 << 18;

    /// <summary>y[r] (+)= Σ_c weights[r·cols + c] · x[c] — a linear layer with weights stored out×in (x·Wᵀ).</summary>
    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> x, Span<float> y, int rows, int cols,
        bool accumulate = false) =>
        Multiply(weights, x, y, rows, cols, accumulate, KernelOptions.Threads);

    /// <summary>y[c] (+)= Σ_r x[r] · weights[r·cols + c] — the vector times a rows×cols matrix (x·W).</summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> weights, ReadOnlySpan<float> x, Span<float> y, int rows,
        int cols, bool accumulate = false) =>
        MultiplyTransposed(weights, x, y, rows, cols, accumulate, KernelOptions.Threads);

    internal static unsafe void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> x, Span<float> y, int rows,
        int cols, bool accumulate, int threads)
    {
        Validate("matvec", weights.Length, x.Length, y.Length, rows, cols, xNeeded: cols, yNeeded: rows);
        if (rows == 0) return;
        fixed (float* w = weights, xp = x, yp = y)
        {
            var job = MatVecRowsJob.Rent(w, xp, yp, rows, cols, accumulate);
            int chunks = job.Chunks;
            if (threads <= 1 || (long)rows * cols < ParallelThreshold) for (int i = 0; i < chunks; i++) job.Run(i);
            else WorkerPool.Shared.For(chunks, job, threads);
            job.Return();
        }
    }

    internal static unsafe void MultiplyTransposed(ReadOnlySpan<float> weights, ReadOnlySpan<float> x, Span<float> y,
        int rows, int cols, bool accumulate, int threads)
    {
        Validate("matvec-transposed", weights.Length, x.Length, y.Length, rows, cols, xNeeded: rows, yNeeded: cols);
        if (cols == 0) return;
        if (!accumulate) y[..cols].Clear();
        if (rows == 0) return;
        fixed (float* w = weights, xp = x, yp = y)
        {
            int strips = threads <= 1 || (long)rows * cols < ParallelThreshold ? 1 : threads;
            var job = MatVecColumnsJob.Rent(w, xp, yp, rows, cols, strips);
            if (job.Strips == 1) job.Run(0);
            else WorkerPool.Shared.For(job.Strips, job, threads);
            job.Return();
        }
    }

    private static void Validate(string op, int weightsLength, int xLength, int yLength, int rows, int cols,
        int xNeeded, int yNeeded)
    {
        if (rows < 0 || cols < 0)
            throw LoomException.Argument($"{op}: dimensions must be non-negative, found rows={rows} cols={cols}");
        if (weightsLength < (long)rows * cols)
            throw LoomException.Shape(op, $"weights need {(long)rows * cols} elements (rows={rows}, cols={cols}), found {weightsLength}");
        if (xLength < xNeeded) throw LoomException.Shape(op, $"x needs {xNeeded} elements (rows={rows}, cols={cols}), found {xLength}");
        if (yLength < yNeeded) throw LoomException.Shape(op, $"y needs {yNeeded} elements (rows={rows}, cols={cols}), found {yLength}");
    }
}
