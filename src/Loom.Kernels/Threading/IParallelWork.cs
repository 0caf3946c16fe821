namespace Loom.Kernels.Threading;

/// <summary>
/// One parallel job for <see cref="WorkerPool"/>: <see cref="Run"/> is called once for every index in [0, count),
/// from any pool thread, in no particular order. A class (not a delegate) so hot callers can reuse one instance
/// and allocate nothing per call.
/// </summary>
public interface IParallelWork
{
    void Run(int index);
}
