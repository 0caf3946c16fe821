using Loom.Core;
using Loom.Kernels;

namespace Loom.Tests.Kernels;

public class KernelOptionsTests
{
    [Fact]
    public void A_thread_count_set_on_one_thread_leaves_other_threads_alone_and_is_restored()
    {
        int processWide = KernelOptions.Threads;
        int seenElsewhere = 0;
        using (KernelOptions.UseThreadsOnThisThread(processWide + 3))
        {
            Assert.Equal(processWide + 3, KernelOptions.Threads);
            using (KernelOptions.UseThreadsOnThisThread(1)) Assert.Equal(1, KernelOptions.Threads);
            Assert.Equal(processWide + 3, KernelOptions.Threads); // nested scopes restore the outer count
            var other = new Thread(() => seenElsewhere = KernelOptions.Threads);
            other.Start();
            other.Join();
        }
        Assert.Equal(processWide, seenElsewhere);
        Assert.Equal(processWide, KernelOptions.Threads);
    }

    [Fact]
    public void Fewer_than_one_thread_is_refused()
    {
        var e = Assert.Throws<LoomException>(() => KernelOptions.UseThreadsOnThisThread(0));
        Assert.Contains("at least 1, found 0", e.Message);
    }
}
