using System.Runtime.ExceptionServices;

namespace Loom.Kernels.Threading;

/// <summary>
/// Persistent threads for kernels: created once (growing to the largest thread count asked for), woken per job,
/// spinning briefly after a job before they block, so back-to-back kernel calls pay microseconds, not the cost of
/// <see cref="Parallel.For(int, int, Action{int})"/>. The calling thread works too, and never waits for a helper
/// that has not started: on a loaded machine a woken thread can take milliseconds to be scheduled, and by then the
/// caller may have done every index itself. One job runs at a time; a call
/// made while the pool is busy (another thread's job, or a nested call from inside a job) runs its indices inline
/// on the caller, which gives the same results because every index is independent.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>The pool kernels share.</summary>
    public static WorkerPool Shared { get; } = new();

    // How long an idle worker polls for the next job before it blocks (iterations of Thread.SpinWait(SpinUnit)).
    // About 0.3 ms: covers the gap between the kernels of one layer, short enough not to burn a shared core for long.
    private const int IdleSpinIterations = 500;
    private const int SpinUnit = 20;

    private readonly object _wakeLock = new();
    private readonly List<Thread> _threads = [];

    // The job on offer, packed so a worker reads "which job" and "am I in it" in one atomic read:
    // generation << 16 | number of helper threads that take part. Bumped only while no job is in flight.
    private long _jobTicket;
    private IParallelWork? _work;
    private int _count;
    private int _next;
    private Exception? _error;
    private int _busy;
    // Helpers inside RunIndices for the current job, and whether the job has stopped admitting them.
    private int _activeHelpers;
    private int _closed;

    /// <summary>Background threads started so far (the caller is not counted).</summary>
    public int HelperThreads
    {
        get { lock (_threads) return _threads.Count; }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every index in [0, count) on up to <see cref="KernelOptions.Threads"/> threads.
    /// Convenient; hot paths that must not allocate pass a reused <see cref="IParallelWork"/> instead (a lambda that
    /// captures variables allocates a closure at every call).
    /// </summary>
    public void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var adapter = t_actionAdapter ?? new ActionWork();
        t_actionAdapter = null; // a nested call on this thread gets its own
        adapter.Body = body;
        try
        {
            For(count, adapter, KernelOptions.Threads);
        }
        finally
        {
            adapter.Body = null;
            t_actionAdapter = adapter;
        }
    }

    [ThreadStatic] private static ActionWork? t_actionAdapter;

    private sealed class ActionWork : IParallelWork
    {
        public Action<int>? Body;
        public void Run(int index) => Body!(index);
    }

    /// <summary>Runs <paramref name="work"/> for every index in [0, count) on up to <see cref="KernelOptions.Threads"/> threads.</summary>
    public void For(int count, IParallelWork work) => For(count, work, KernelOptions.Threads);

    /// <summary>Runs <paramref name="work"/> for every index in [0, count) on up to <paramref name="maxThreads"/> threads (the caller included).</summary>
    public void For(int count, IParallelWork work, int maxThreads)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (count <= 0) return;
        int threads = Math.Min(maxThreads, count);
        if (threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) work.Run(i);
            return;
        }
        try
        {
            int helpers = Math.Min(threads - 1, ushort.MaxValue);
            EnsureHelpers(helpers);
            _work = work;
            _count = count;
            _next = 0;
            _error = null;
            Volatile.Write(ref _closed, 0); // after the job fields: a helper that sees it open sees them too
            lock (_wakeLock)
            {
                Volatile.Write(ref _jobTicket, ((_jobTicket >> 16) + 1) << 16 | (long)helpers);
                Monitor.PulseAll(_wakeLock);
            }
            RunIndices();
            // Every index is claimed. Close the job (a full fence, paired with the helper's increment-then-check),
            // then wait only for helpers still finishing an index they claimed. The wait yields but never sleeps:
            // SpinWait's default Thread.Sleep(1) would add a millisecond or more to a job that ends microseconds later.
            Interlocked.Exchange(ref _closed, 1);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _activeHelpers) != 0) spinner.SpinOnce(sleep1Threshold: -1);
            _work = null;
            if (_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void EnsureHelpers(int helpers)
    {
        lock (_threads)
        {
            while (_threads.Count < helpers)
            {
                int helperIndex = _threads.Count;
                // The generation is read here, before the caller publishes its job, so the new thread cannot
                // mistake that job for one it has already seen.
                long startGeneration = Volatile.Read(ref _jobTicket) >> 16;
                var thread = new Thread(() => HelperLoop(helperIndex, startGeneration))
                {
                    IsBackground = true,
                    Name = $"loom-kernel-{helperIndex + 1}",
                };
                _threads.Add(thread);
                thread.Start();
            }
        }
    }

    private void HelperLoop(int helperIndex, long seenGeneration)
    {
        while (true)
        {
            long ticket = WaitForNextTicket(seenGeneration);
            seenGeneration = ticket >> 16;
            // A helper outside this job's count must not touch it: the job may finish (and the next begin) without it.
            if (helperIndex >= (int)(ticket & 0xFFFF)) continue;
            Interlocked.Increment(ref _activeHelpers);
            // Too late if the caller has already closed this job (or moved on to another): back out untouched.
            if (Volatile.Read(ref _closed) == 0 && Volatile.Read(ref _jobTicket) == ticket) RunIndices();
            Interlocked.Decrement(ref _activeHelpers);
        }
    }

    private long WaitForNextTicket(long seenGeneration)
    {
        for (int spin = 0; spin < IdleSpinIterations; spin++)
        {
            long ticket = Volatile.Read(ref _jobTicket);
            if (ticket >> 16 != seenGeneration) return ticket;
            Thread.SpinWait(SpinUnit);
        }
        lock (_wakeLock)
        {
            while (true)
            {
                long ticket = Volatile.Read(ref _jobTicket);
                if (ticket >> 16 != seenGeneration) return ticket;
                Monitor.Wait(_wakeLock);
            }
        }
    }

    private void RunIndices()
    {
        IParallelWork work = _work!;
        int count = _count;
        while (true)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= count) return;
            try
            {
                work.Run(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Volatile.Write(ref _next, count); // stop handing out work; the caller rethrows the first error
            }
        }
    }
}
