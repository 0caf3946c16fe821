using System.Runtime.InteropServices;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID). On a machine shared with other busy processes a
/// single-threaded kernel's CPU time barely moves while its wall time swings with the scheduler, so one-thread
/// comparisons can be made on it as well. Meaningless for multi-threaded calls (the helpers' time is not counted).
/// </summary>
internal static unsafe partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* timespec);

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    public static double Seconds
    {
        get
        {
            long* timespec = stackalloc long[2];
            if (ClockGetTime(ClockThreadCpuTimeId, timespec) != 0) throw new InvalidOperationException("clock_gettime failed");
            return timespec[0] + timespec[1] * 1e-9;
        }
    }
}
