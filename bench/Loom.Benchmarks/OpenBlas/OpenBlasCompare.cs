using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Kernels;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- compare-openblas [--repeat R] [--json] [--shapes MxNxK,…]
/// [--threads T,…] [--best]`:
/// Loom's GEMM against OpenBLAS with its AVX-512 kernel (the one its own CPU detection picks) and with the kernel
/// this machine's environment forces (Haswell, AVX2), at 1024³, 2048³ and M = 64 / 512 rows × N = K = 4096, on 1 and
/// 2 threads; then the 4096×4096 matrix-vector product in GB/s. The three are sampled in turn, R rounds, so load
/// from other processes hits all of them alike; every figure is a median (with --best: the fastest sample, which on a
/// crowded machine estimates what each can do when it gets the cores). --shapes / --threads keep only those GEMM rows
/// (and skip the matrix-vector rows), for quick before/after runs of one case.
/// </summary>
internal static class OpenBlasCompare
{
    private const string Interpretation =
        "MxNxK means C[M,N] = A[M,K]·B[K,N], row-major, no transposes; \"4096x4096x64\" is read as M=64 rows " +
        "(tokens) times a 4096x4096 matrix: N=K=4096";

    private static readonly (int M, int N, int K)[] Shapes = [(1024, 1024, 1024), (2048, 2048, 2048), (64, 4096, 4096), (512, 4096, 4096)];
    private static readonly int[] ThreadCounts = [1, 2];

    // OpenBLAS's idle threads spin for a while after a call; a pause keeps them from taking a core from the next sample.
    private static readonly TimeSpan SettleAfterOpenBlas = TimeSpan.FromMilliseconds(100);

    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        int repeat = 5;
        int at = Array.IndexOf(args, "--repeat");
        if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], out repeat) || repeat < 1))
        {
            Console.Error.WriteLine("compare-openblas: --repeat needs a positive number");
            return 2;
        }
        bool best = args.Contains("--best");
        var shapes = Shapes;
        var threadCounts = ThreadCounts;
        bool gemmOnly = false;
        if (Option(args, "--shapes") is { } shapeList)
        {
            shapes = shapeList.Split(',').Select(ParseShape).ToArray();
            gemmOnly = true;
        }
        if (Option(args, "--threads") is { } threadList)
        {
            threadCounts = threadList.Split(',').Select(int.Parse).ToArray();
            gemmOnly = true;
        }
        if (!OpenBlasNative.IsInstalled)
        {
            Console.Error.WriteLine($"compare-openblas: {OpenBlasNative.LibraryPath} not found (apt-get install libopenblas0-pthread)");
            return 4;
        }

        using var native = new OpenBlasChildProcess(native: true);
        using var fromEnvironment = new OpenBlasChildProcess(native: false);
        if (!json)
        {
            Console.WriteLine($"Loom kernel: {Gemm.KernelName}; OpenBLAS native: core {native.CoreName} ({native.Environment}); " +
                $"OpenBLAS environment: core {fromEnvironment.CoreName} ({fromEnvironment.Environment})");
            Console.WriteLine(Interpretation);
            Console.WriteLine($"GFLOP/s = 2·M·N·K / time; {(best ? "fastest" : "medians")} of {repeat} interleaved samples. native = OpenBLAS {native.CoreName}, " +
                $"env = OpenBLAS {fromEnvironment.CoreName}. Left: wall clock; right: CPU time — on 1 thread the calling thread's, " +
                "which other processes on a shared machine disturb far less; on 2 threads the whole process's (GFLOP per CPU-second: " +
                "work efficiency, not speed; OpenBLAS's idle threads spin for a while, which counts against it)");
            string columns = $"{"loom",8} {"native",8} {"env",8} {"loom/native",12} {"loom/env",9}";
            Console.WriteLine($"{"shape",-16} {"thr",3} {columns}   | {columns}");
        }

        var gemmRows = new JsonArray();
        foreach (var (m, n, k) in shapes)
        foreach (int threads in threadCounts)
        {
            var row = CompareGemm(m, n, k, threads, repeat, best, native, fromEnvironment);
            gemmRows.Add(row);
            if (!json) Console.WriteLine(FormatRow($"{m}x{n}x{k}", row, "Gflops"));
        }

        var matVecRows = new JsonArray();
        if (!json && !gemmOnly) Console.WriteLine("matvec y = W·x, 4096x4096: GB/s of weights read (OpenBLAS: sgemv)");
        foreach (int threads in gemmOnly ? [] : ThreadCounts)
        {
            var row = CompareMatVec(4096, 4096, threads, repeat, best, native, fromEnvironment);
            matVecRows.Add(row);
            if (!json) Console.WriteLine(FormatRow("4096x4096", row, "GBps"));
        }

        if (json)
        {
            var result = new JsonObject
            {
                ["bench"] = "compare-openblas",
                ["interpretation"] = Interpretation,
                ["repeat"] = repeat,
                ["statistic"] = best ? "fastest" : "median",
                ["loomKernel"] = Gemm.KernelName,
                ["openblasNative"] = new JsonObject { ["core"] = native.CoreName, ["environment"] = native.Environment },
                ["openblasEnv"] = new JsonObject { ["core"] = fromEnvironment.CoreName, ["environment"] = fromEnvironment.Environment },
                ["gemm"] = gemmRows,
                ["matvec"] = matVecRows,
            };
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }
        return 0;
    }

    private static JsonObject CompareGemm(int m, int n, int k, int threads, int repeat, bool best,
        OpenBlasChildProcess native, OpenBlasChildProcess fromEnvironment)
    {
        KernelOptions.Threads = threads;
        float[] a = GemmBenchData.Uniform((long)m * k, 1), b = GemmBenchData.Uniform((long)k * n, 2), c = new float[(long)m * n];
        var loom = new SampleTimer(() => Gemm.Multiply(a, b, c, m, n, k), threads);
        native.PrepareGemm(m, n, k, threads);
        fromEnvironment.PrepareGemm(m, n, k, threads);
        var t = Interleave(loom, native, fromEnvironment, repeat, best, alsoCpuTime: ThreadCpuClock.IsAvailable);
        double gflop = 2.0 * m * n * k / 1e9;
        var row = new JsonObject { ["m"] = m, ["n"] = n, ["k"] = k, ["threads"] = threads };
        AddRates(row, "Gflops", gflop, t.Loom, t.Native, t.Env);
        if (t.LoomCpu is { } loomCpu) row[threads == 1 ? "threadCpuTime" : "processCpuTime"] = Rates("Gflops", gflop, loomCpu, t.NativeCpu!.Value, t.EnvCpu!.Value);
        return row;
    }

    private static JsonObject CompareMatVec(int rows, int cols, int threads, int repeat, bool best,
        OpenBlasChildProcess native, OpenBlasChildProcess fromEnvironment)
    {
        KernelOptions.Threads = threads;
        float[] w = GemmBenchData.Uniform((long)rows * cols, 3), x = GemmBenchData.Uniform(cols, 4), y = new float[rows];
        var loom = new SampleTimer(() => MatVec.Multiply(w, x, y, rows, cols));
        native.PrepareGemv(rows, cols, threads);
        fromEnvironment.PrepareGemv(rows, cols, threads);
        var t = Interleave(loom, native, fromEnvironment, repeat, best, alsoCpuTime: threads == 1 && ThreadCpuClock.IsAvailable);
        double gigabytes = 4.0 * rows * cols / 1e9;
        var row = new JsonObject { ["rows"] = rows, ["cols"] = cols, ["threads"] = threads };
        AddRates(row, "GBps", gigabytes, t.Loom, t.Native, t.Env);
        if (t.LoomCpu is { } loomCpu) row["threadCpuTime"] = Rates("GBps", gigabytes, loomCpu, t.NativeCpu!.Value, t.EnvCpu!.Value);
        return row;
    }

    /// <summary>Seconds per call: medians (or minima) of wall time, and of thread CPU time when <paramref name="alsoCpuTime"/>.</summary>
    private sealed record Timings(double Loom, double Native, double Env, double? LoomCpu, double? NativeCpu, double? EnvCpu);

    private static Timings Interleave(SampleTimer loom, OpenBlasChildProcess native, OpenBlasChildProcess fromEnvironment,
        int repeat, bool best, bool alsoCpuTime)
    {
        var samples = Enumerable.Range(0, 6).Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < repeat; round++)
        {
            foreach (bool cpu in alsoCpuTime ? new[] { false, true } : [false])
            {
                int slot = cpu ? 3 : 0;
                samples[slot].Add(loom.Sample(cpu));
                samples[slot + 1].Add(native.Sample(cpu));
                Thread.Sleep(SettleAfterOpenBlas);
                samples[slot + 2].Add(fromEnvironment.Sample(cpu));
                Thread.Sleep(SettleAfterOpenBlas);
            }
        }
        double[] medians = samples.Select(list => list.Count == 0 ? double.NaN : best ? list.Min() : SampleTimer.Median(list)).ToArray();
        return alsoCpuTime
            ? new Timings(medians[0], medians[1], medians[2], medians[3], medians[4], medians[5])
            : new Timings(medians[0], medians[1], medians[2], null, null, null);
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static (int M, int N, int K) ParseShape(string text)
    {
        int[] dims = text.Split('x').Select(int.Parse).ToArray();
        return dims.Length == 3 ? (dims[0], dims[1], dims[2]) : throw new FormatException($"shape '{text}' is not MxNxK");
    }

    /// <summary>Rates (work / seconds, scaled) and Loom's ratios to each OpenBLAS variant, as JSON fields.</summary>
    private static void AddRates(JsonObject row, string unit, double work, double loom, double native, double env)
    {
        double loomRate = work / loom, nativeRate = work / native, envRate = work / env;
        row[$"loom{unit}"] = Math.Round(loomRate, 1);
        row[$"native{unit}"] = Math.Round(nativeRate, 1);
        row[$"env{unit}"] = Math.Round(envRate, 1);
        row["loomOverNative"] = Math.Round(loomRate / nativeRate, 2);
        row["loomOverEnv"] = Math.Round(loomRate / envRate, 2);
    }

    private static JsonObject Rates(string unit, double work, double loom, double native, double env)
    {
        var rates = new JsonObject();
        AddRates(rates, unit, work, loom, native, env);
        return rates;
    }

    /// <summary>One table row: wall-clock figures, then thread-CPU-time figures where they were taken.</summary>
    private static string FormatRow(string label, JsonObject row, string unit)
    {
        string Cells(JsonObject r) =>
            $"{r[$"loom{unit}"],8} {r[$"native{unit}"],8} {r[$"env{unit}"],8} {r["loomOverNative"],12} {r["loomOverEnv"],9}";
        string line = $"{label,-16} {row["threads"],3} {Cells(row)}";
        return (row["threadCpuTime"] ?? row["processCpuTime"]) is JsonObject cpu ? $"{line}   | {Cells(cpu)}" : line;
    }
}
