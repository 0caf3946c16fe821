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
    private int _rowsPerRect;
    private int _colsPerRect;
    private int _rectsAcross;

    public static void Run(in GemmOperands op, in DequantizedWeights weights, GemmKernelKind kernel, int threads)
    {
        var (mr, nr) = GemmKernels.TileOf(kernel);
        var (tilesDown, tilesAcross) = GemmJob.ChooseGrid(op.M, op.N, threads, mr, nr);
        DequantizedGemmJob job = t_cached ?? new DequantizedGemmJob();
        t_cached = null; // a nested call on this thread must not reuse the job in flight
        try
        {
            job._op = op;
            job._weights = weights;
            job._kernel = kernel;
            job._rowsPerRect = GemmBlocking.RoundUp((op.M + tilesDown - 1) / tilesDown, mr);
            job._colsPerRect = GemmBlocking.RoundUp((op.N + tilesAcross - 1) / tilesAcross, nr);
            job._rectsAcross = (op.N + job._colsPerRect - 1) / job._colsPerRect;
            int rectsDown = (op.M + job._rowsPerRect - 1) / job._rowsPerRect;
            int rects = rectsDown * job._rectsAcross;
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
        int row0 = index / _rectsAcross * _rowsPerRect;
        int col0 = index % _rectsAcross * _colsPerRect;
        int row1 = Math.Min(_op.M, row0 + _rowsPerRect);
        int col1 = Math.Min(_op.N, col0 + _colsPerRect);
        var scratch = GemmScratch.ForCurrentThread();
        switch (_kernel)
        {
            case GemmKernelKind.Avx512: DequantizedGemmDriver<GemmKernelAvx512>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
            case GemmKernelKind.Avx2: DequantizedGemmDriver<GemmKernelAvx2>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
            default: DequantizedGemmDriver<GemmKernelPortable>.MultiplyRect(_op, _weights, row0, row1, col0, col1, scratch); break;
        }
    }
}
