using Loom.Kernels.Threading;

namespace Loom.Kernels;

/// <summary>
/// Runs a product on one thread, or a small one on several: C split into a grid of rectangles (M blocks × N blocks),
/// one per thread, each run through <see cref="GemmDriver{TKernel}"/> with that thread's packing buffers. Larger
/// multi-threaded products go to <see cref="GemmSharedJob"/>, which packs the shared operand once instead of per thread. K is never split, so the result does not
/// depend on the grid. One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class GemmJob : IParallelWork
{
    [ThreadStatic] private static GemmJob? t_cached;

    private GemmOperands _op;
    private GemmKernelKind _kernel;
    private GemmGrid _grid;

    /// <summary>Runs the whole product on up to <paramref name="threads"/> threads (the caller included).</summary>
    public static void Run(in GemmOperands op, GemmKernelKind kernel, int threads)
    {
        if (UsesSharedPacking(op.M, op.N, op.K, threads))
        {
            GemmSharedJob.Run(op, kernel, threads);
            return;
        }
        var (mr, nr) = GemmKernels.TileOf(kernel);
        GemmJob job = t_cached ?? new GemmJob();
        t_cached = null; // a nested call on this thread (a job body calling GEMM) must not reuse the job in flight
        try
        {
            job._op = op;
            job._kernel = kernel;
            job._grid = new GemmGrid(op.M, op.N, threads, mr, nr);
            int rects = job._grid.Count;
            if (rects == 1) job.Run(0);
            else WorkerPool.Shared.For(rects, job, threads);
        }
        finally
        {
            job._op = default;
            t_cached = job;
        }
    }

    /// <summary>Products of at least this many multiply-adds on more than one thread pack their shared operand once (<see cref="GemmSharedJob"/>).</summary>
    internal const long SharedPackingThreshold = 128L * 128 * 128;

    internal static bool UsesSharedPacking(int m, int n, int k, int threads) =>
        threads > 1 && (long)m * n * k >= SharedPackingThreshold;

    /// <summary>
    /// The grid of rectangles: as many as there are threads (while each gets at least one tile), shaped to pack the
    /// least duplicate data — every column of rectangles packs all of A's rows, every row of rectangles all of B's
    /// columns — so skinny shapes split along their long side.
    /// </summary>
    internal static (int Down, int Across) ChooseGrid(int m, int n, int threads, int mr, int nr)
    {
        int maxDown = (m + mr - 1) / mr, maxAcross = (n + nr - 1) / nr;
        (int Down, int Across) best = (1, 1);
        long bestCost = long.MaxValue;
        for (int down = 1; down <= Math.Min(threads, maxDown); down++)
        {
            int across = Math.Min(threads / down, maxAcross);
            long cost = (long)across * m + (long)down * n;
            bool moreThreads = down * across > best.Down * best.Across;
            if (moreThreads || (down * across == best.Down * best.Across && cost < bestCost))
            {
                best = (down, across);
                bestCost = cost;
            }
        }
        return best;
    }

    public void Run(int index)
    {
        var (row0, row1, col0, col1) = _grid.Rect(index);
        var scratch = GemmScratch.ForCurrentThread();
        switch (_kernel)
        {
            case GemmKernelKind.Avx512: GemmDriver<GemmKernelAvx512>.MultiplyRect(_op, row0, row1, col0, col1, scratch); break;
            case GemmKernelKind.Avx2: GemmDriver<GemmKernelAvx2>.MultiplyRect(_op, row0, row1, col0, col1, scratch); break;
            default: GemmDriver<GemmKernelPortable>.MultiplyRect(_op, row0, row1, col0, col1, scratch); break;
        }
    }
}
