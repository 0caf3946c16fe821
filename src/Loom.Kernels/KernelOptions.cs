namespace Loom.Kernels;

/// <summary>
/// Process-wide kernel settings. The thread count is part of the result: the same thread count gives bit-identical
/// results; a different one may change the order of floating-point sums.
/// </summary>
public static class KernelOptions
{
    private static int _threads = Environment.ProcessorCount;

    // A count set for the calling thread only (0: none), so code that compares thread counts (tests, a benchmark)
    // does not change them under other threads of the same process.
    [ThreadStatic] private static int t_threads;

    /// <summary>
    /// Worker threads multi-threaded kernels started from this thread may use (≥ 1): the count set by
    /// <see cref="UseThreadsOnThisThread"/> when one is in force, otherwise the process-wide count (default: the
    /// processor count). Setting it changes the process-wide count.
    /// </summary>
    public static int Threads
    {
        get => t_threads > 0 ? t_threads : _threads;
        set
        {
            Check(value);
            _threads = value;
        }
    }

    /// <summary>Uses <paramref name="threads"/> for kernels started from the calling thread until the returned scope is disposed.</summary>
    public static ThreadCountScope UseThreadsOnThisThread(int threads)
    {
        Check(threads);
        var scope = new ThreadCountScope(t_threads);
        t_threads = threads;
        return scope;
    }

    private static void Check(int threads)
    {
        if (threads < 1) throw Core.LoomException.Argument($"threads must be at least 1, found {threads}");
    }

    /// <summary>Restores the calling thread's previous count when disposed.</summary>
    public readonly struct ThreadCountScope : IDisposable
    {
        private readonly int _previous;
        internal ThreadCountScope(int previous) => _previous = previous;
        public void Dispose() => t_threads = _previous;
    }
}
