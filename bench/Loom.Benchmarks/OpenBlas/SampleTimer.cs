using System.Diagnostics;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// Times one operation the same way for Loom (in the parent) and OpenBLAS (in the children): two warm-up calls,
/// then samples, each one untimed call followed by enough back-to-back timed calls to last ≥ 30 ms, each reported
/// as seconds per call — of wall time, or of CPU time (<see cref="ThreadCpuClock"/>): the calling thread's for a single-threaded call, the whole process's for a
/// multi-threaded one.
/// </summary>
internal sealed class SampleTimer
{
    private readonly Action _run;
    private readonly int _callsPerSample;
    private readonly bool _processCpu;

    public SampleTimer(Action run, int threads = 1)
    {
        _run = run;
        _processCpu = threads > 1;
        run();
        var clock = Stopwatch.StartNew();
        run();
        _callsPerSample = (int)Math.Clamp(0.03 / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), 1, 100_000);
    }

    public double Sample(bool threadCpuTime = false)
    {
        // One untimed call first: samples follow a pause (the other library's turn), after which pool threads are
        // asleep and, on a virtual machine, their virtual CPU halted — waking it took milliseconds at times, a third of
        // a 1024³ product. Timing back-to-back calls measures what a training loop sees, for Loom and OpenBLAS alike.
        _run();
        if (threadCpuTime)
        {
            double start = _processCpu ? ThreadCpuClock.ProcessSeconds : ThreadCpuClock.Seconds;
            for (int i = 0; i < _callsPerSample; i++) _run();
            return ((_processCpu ? ThreadCpuClock.ProcessSeconds : ThreadCpuClock.Seconds) - start) / _callsPerSample;
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < _callsPerSample; i++) _run();
        return clock.Elapsed.TotalSeconds / _callsPerSample;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }
}
