using System.Runtime.InteropServices;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID). On a machine shared with other busy processes a
/// single-threaded kernel's CPU time barely moves while its wall time swings with the scheduler, so one-thread
/// comparisons can be made on it as well. Meaningless for multi-threaded calls (the helpers' time is not counted).
/// </summary>
internal static unsafe partial class ThreadCpuClock
{
    private const int ClockProcessCpuTimeId = 2;
    private const int ClockThreadCpuTimeId = 3;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* timespec);

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    public static double Seconds => Read(ClockThreadCpuTimeId);

    /// <summary>
    /// CPU time of every thread of the process: for a multi-threaded call, CPU-seconds spent per call — its work
    /// efficiency (duplicated packing, waiting that spins), not its speed.
    /// </summary>
    public static double ProcessSeconds => Read(ClockProcessCpuTimeId);

    private static double Read(int clock)
    {
        long* timespec = stackalloc long[2];
        if (ClockGetTime(clock, timespec) != 0) throw new InvalidOperationException("clock_gettime failed");
        return timespec[0] + timespec[1] * 1e-9;
    }
}
