using Loom.Kernels.Threading;

namespace Loom.Tests.Kernels;

public class WorkerPoolTests
{
    private sealed class CountingWork(int count, Action<int>? extra = null) : IParallelWork
    {
        public readonly int[] Hits = new int[count];
        public readonly HashSet<int> ThreadIds = [];

        public void Run(int index)
        {
            Interlocked.Increment(ref Hits[index]);
            lock (ThreadIds) ThreadIds.Add(Environment.CurrentManagedThreadId);
            extra?.Invoke(index);
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(777, 4)]
    public void Every_index_runs_exactly_once(int count, int threads)
    {
        var pool = new WorkerPool();
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var work = new CountingWork(count);
            pool.For(count, work, threads);
            Assert.All(work.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Action_overload_runs_every_index_once_and_nests()
    {
        var pool = new WorkerPool();
        var hits = new int[64 * 8];
        pool.For(64, i => pool.For(8, j => Interlocked.Increment(ref hits[i * 8 + j])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Threads_are_created_once_and_reused()
    {
        var pool = new WorkerPool();
        for (int repeat = 0; repeat < 50; repeat++) pool.For(64, new CountingWork(64), 3);
        Assert.Equal(2, pool.HelperThreads);
    }

    [Fact]
    public void Work_actually_runs_on_more_than_one_thread()
    {
        var pool = new WorkerPool();
        // Each index waits until a second thread has joined (bounded, so a lone thread still finishes).
        int started = 0;
        var work = new CountingWork(2, _ =>
        {
            Interlocked.Increment(ref started);
            SpinWait.SpinUntil(() => Volatile.Read(ref started) >= 2, TimeSpan.FromSeconds(5));
        });
        pool.For(2, work, 2);
        Assert.Equal(2, work.ThreadIds.Count);
    }

    [Fact]
    public void First_exception_reaches_the_caller_and_the_pool_keeps_working()
    {
        var pool = new WorkerPool();
        var failing = new CountingWork(100, i => { if (i == 37) throw new InvalidOperationException("index 37"); });
        var e = Assert.Throws<InvalidOperationException>(() => pool.For(100, failing, 2));
        Assert.Equal("index 37", e.Message);
        var work = new CountingWork(100);
        pool.For(100, work, 2);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Nested_calls_run_inline_and_complete()
    {
        var pool = new WorkerPool();
        var inner = new int[8 * 16];
        var outer = new CountingWork(8, i => pool.For(16, new ArrayWork(inner, i * 16), 2));
        pool.For(8, outer, 2);
        Assert.All(inner, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Concurrent_callers_each_get_all_their_indices()
    {
        var pool = new WorkerPool();
        var works = Enumerable.Range(0, 4).Select(_ => new CountingWork(500)).ToArray();
        var callers = works.Select(w => new Thread(() => { for (int r = 0; r < 10; r++) pool.For(50, new ArrayWork(new int[50], 0), 2); pool.For(500, w, 2); })).ToArray();
        foreach (var t in callers) t.Start();
        foreach (var t in callers) t.Join();
        foreach (var w in works) Assert.All(w.Hits, h => Assert.Equal(1, h));
    }

    private sealed class ArrayWork(int[] hits, int offset) : IParallelWork
    {
        public void Run(int index) => Interlocked.Increment(ref hits[offset + index]);
    }
}
