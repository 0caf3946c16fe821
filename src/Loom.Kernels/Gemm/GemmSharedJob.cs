using Loom.Kernels.Threading;

namespace Loom.Kernels;

/// <summary>
/// The multi-threaded GEMM of large products (<see cref="GemmSharedPlan"/>): for each super-panel of the shared
/// operand, one pool pass packs it (threads split the slivers), a second runs the compute items against it. The
/// calling thread owns the shared buffer; the pool's end-of-pass join is the only barrier. One instance per calling
/// thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class GemmSharedJob : IParallelWork
{
    [ThreadStatic] private static GemmSharedJob? t_cached;

    private GemmOperands _op;
    private GemmKernelKind _kernel;
    private GemmSharedPlan _plan;
    private float* _shared;
    private int _s0, _s1;
    private bool _packing;

    public static void Run(in GemmOperands op, GemmKernelKind kernel, int threads,
        int sharedCapFloats = GemmSharedPlan.DefaultSharedCapFloats)
    {
        var (mr, nr) = GemmKernels.TileOf(kernel);
        GemmSharedJob job = t_cached ?? new GemmSharedJob();
        t_cached = null; // a nested call on this thread must not reuse the job in flight
        try
        {
            var plan = new GemmSharedPlan(op.M, op.N, op.K, mr, nr, threads, sharedCapFloats);
            job._op = op;
            job._kernel = kernel;
            job._plan = plan;
            job._shared = GemmScratch.ForCurrentThread().Shared(plan.SharedFloats(Math.Min(plan.SharedWidth, plan.SharedExtent)));
            for (int s0 = 0; s0 < plan.SharedExtent; s0 += plan.SharedWidth)
            {
                job._s0 = s0;
                job._s1 = Math.Min(plan.SharedExtent, s0 + plan.SharedWidth);
                job._packing = true;
                WorkerPool.Shared.For(plan.PackItems(job._s1 - s0), job, threads);
                job._packing = false;
                WorkerPool.Shared.For(plan.ComputeItems, job, threads);
            }
        }
        finally
        {
            job._op = default;
            job._shared = null;
            t_cached = job;
        }
    }

    public void Run(int index)
    {
        if (_packing)
        {
            switch (_kernel)
            {
                case GemmKernelKind.Avx512: GemmSharedDriver<GemmKernelAvx512>.Pack(_op, _plan, _s0, _s1, _shared, index); break;
                case GemmKernelKind.Avx2: GemmSharedDriver<GemmKernelAvx2>.Pack(_op, _plan, _s0, _s1, _shared, index); break;
                default: GemmSharedDriver<GemmKernelPortable>.Pack(_op, _plan, _s0, _s1, _shared, index); break;
            }
            return;
        }
        var scratch = GemmScratch.ForCurrentThread();
        switch (_kernel)
        {
            case GemmKernelKind.Avx512: GemmSharedDriver<GemmKernelAvx512>.Compute(_op, _plan, _s0, _s1, _shared, index, scratch); break;
            case GemmKernelKind.Avx2: GemmSharedDriver<GemmKernelAvx2>.Compute(_op, _plan, _s0, _s1, _shared, index, scratch); break;
            default: GemmSharedDriver<GemmKernelPortable>.Compute(_op, _plan, _s0, _s1, _shared, index, scratch); break;
        }
    }
}
