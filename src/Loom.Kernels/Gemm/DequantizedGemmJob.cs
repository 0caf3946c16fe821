using Loom.Kernels.Threading;

namespace Loom.Kernels;

/// <summary>
/// <see cref="GemmJob"/> for <see cref="DequantizedGemm"/>: the same grid of C rectangles (<see cref="GemmJob.ChooseGrid"/>),
/// each run through <see cref="DequantizedGemmDriver{TKernel}"/>. K is never split, so the result does not depend on
/// the thread count. One instance per calling thread is reused.
/// </summary>
internal sealed unsafe class DequantizedGemmJob : IParallelWork
{
    [ThreadStatic] private static DequantizedGemmJob? t_cached;

    private GemmOperands _op;
    private DequantizedWeights _weights;
    private GemmKernelKind _kernel;
    private GemmGrid _grid;

    public static void Run(in GemmOperands op, in DequantizedWeights weights, GemmKernelKind kernel, int threads)
    {
        var (mr, nr) = GemmKernels.TileOf(kernel);
        DequantizedGemmJob job = t_cached ?? new DequantizedGemmJob();
        t_cached = null; // a nested call on this thread must not reuse the job in flight
        try
        {
            job._op = op;
            job._weights = weights;
            job._kernel = kernel;
            job._grid = new GemmGrid(op.M, op.N, threads, mr, nr);
            int rects = job._grid.Count;
            if (rects == 1) job.Run(0);
            else WorkerPool.Shared.For(rects, job, threads);
        }
        finally
        {
            job._op = default;
            job._weights = default;
            t_cached = job;
        }
    }

    public void Run(int index)
    {
        var (row0, row1, col0, col1) = _grid.Rect(index);
        var scratch = GemmScratch.ForCurrentThread();
        switch (_kernel)
        {
            case GemmKernelKind.Avx512: DequantizedGemmDriver<GemmKernelAvx512>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
            case GemmKernelKind.Avx2: DequantizedGemmDriver<GemmKernelAvx2>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
            default: DequantizedGemmDriver<GemmKernelPortable>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
        }
    }
}
