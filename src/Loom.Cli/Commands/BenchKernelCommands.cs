using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Cli;

/// <summary>
/// `loom bench gemm|matvec`: kernel throughput. Each run is warmed up first (JIT, page faults, packing buffers),
/// then timed `--repeat` times; the median is the figure to quote on a shared machine, the best shows the ceiling.
/// </summary>
public static class BenchKernelCommands
{
    public static IEnumerable<Command> Create() => [GemmCommand(), MatVecCommand()];

    private static Command GemmCommand()
    {
        var m = new Option<int>("--m") { Description = "Rows of C", DefaultValueFactory = _ => 1024 };
        var n = new Option<int>("--n") { Description = "Columns of C", DefaultValueFactory = _ => 1024 };
        var k = new Option<int>("--k") { Description = "Inner dimension", DefaultValueFactory = _ => 1024 };
        var threads = ThreadsOption();
        var transA = new Option<bool>("--trans-a") { Description = "A is stored k×m" };
        var transB = new Option<bool>("--trans-b") { Description = "B is stored n×k" };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs after the warm-up", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("gemm", "float32 C = op(A)·op(B): GFLOP/s (2·m·n·k per run)");
        foreach (var option in new Option[] { m, n, k, threads, transA, transB, repeat, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var result = RunGemm(parse.GetValue(m), parse.GetValue(n), parse.GetValue(k), parse.GetValue(threads),
                parse.GetValue(transA), parse.GetValue(transB), parse.GetValue(repeat));
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else
                Console.WriteLine($"gemm {result["m"]}x{result["n"]}x{result["k"]} transA={result["transA"]} transB={result["transB"]} " +
                    $"threads={result["threads"]} kernel={result["kernel"]}: median {result["medianGflops"]} GFLOP/s, " +
                    $"best {result["bestGflops"]} GFLOP/s (median {result["medianMs"]} ms over {result["repeat"]} runs)");
            return 0;
        });
        return command;
    }

    private static Command MatVecCommand()
    {
        var rows = new Option<int>("--rows") { Description = "Rows of the weight matrix (outputs)", DefaultValueFactory = _ => 4096 };
        var cols = new Option<int>("--cols") { Description = "Columns of the weight matrix (inputs)", DefaultValueFactory = _ => 4096 };
        var threads = ThreadsOption();
        var transposed = new Option<bool>("--transposed") { Description = "y = x·W (weights rows=inputs) instead of y = W·x" };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs after the warm-up", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("matvec", "float32 matrix-vector product: GB/s of weights read");
        foreach (var option in new Option[] { rows, cols, threads, transposed, repeat, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var result = RunMatVec(parse.GetValue(rows), parse.GetValue(cols), parse.GetValue(threads),
                parse.GetValue(transposed), parse.GetValue(repeat));
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else
                Console.WriteLine($"matvec {result["rows"]}x{result["cols"]} transposed={result["transposed"]} threads={result["threads"]}: " +
                    $"median {result["medianGBps"]} GB/s, best {result["bestGBps"]} GB/s of weights " +
                    $"(median {result["medianMs"]} ms over {result["repeat"]} runs)");
            return 0;
        });
        return command;
    }

    private static Option<int> ThreadsOption() =>
        new("--threads") { Description = "Kernel threads (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };

    public static JsonObject RunGemm(int m, int n, int k, int threads, bool transA, bool transB, int repeat)
    {
        if (m < 1 || n < 1 || k < 1 || repeat < 1)
            throw LoomException.Argument($"bench gemm: m, n, k and repeat must be positive, found m={m} n={n} k={k} repeat={repeat}");
        KernelOptions.Threads = threads;
        float[] a = Uniform((long)m * k, 1), b = Uniform((long)k * n, 2), c = new float[(long)m * n];
        var times = Time(() => Gemm.Multiply(a, b, c, m, n, k, transA, transB), repeat);
        double flops = 2.0 * m * n * k;
        return new JsonObject
        {
            ["bench"] = "gemm",
            ["m"] = m, ["n"] = n, ["k"] = k,
            ["transA"] = transA, ["transB"] = transB,
            ["threads"] = threads,
            ["kernel"] = Gemm.KernelName,
            ["repeat"] = repeat,
            ["medianMs"] = Math.Round(times.Median * 1e3, 3),
            ["bestMs"] = Math.Round(times.Best * 1e3, 3),
            ["medianGflops"] = Math.Round(flops / times.Median / 1e9, 1),
            ["bestGflops"] = Math.Round(flops / times.Best / 1e9, 1),
        };
    }

    public static JsonObject RunMatVec(int rows, int cols, int threads, bool transposed, int repeat)
    {
        if (rows < 1 || cols < 1 || repeat < 1)
            throw LoomException.Argument($"bench matvec: rows, cols and repeat must be positive, found rows={rows} cols={cols} repeat={repeat}");
        KernelOptions.Threads = threads;
        float[] w = Uniform((long)rows * cols, 3), x = Uniform(transposed ? rows : cols, 4), y = new float[transposed ? cols : rows];
        var times = Time(() =>
        {
            if (transposed) MatVec.MultiplyTransposed(w, x, y, rows, cols);
            else MatVec.Multiply(w, x, y, rows, cols);
        }, repeat);
        double bytes = 4.0 * rows * cols;
        return new JsonObject
        {
            ["bench"] = "matvec",
            ["rows"] = rows, ["cols"] = cols,
            ["transposed"] = transposed,
            ["threads"] = threads,
            ["repeat"] = repeat,
            ["medianMs"] = Math.Round(times.Median * 1e3, 4),
            ["bestMs"] = Math.Round(times.Best * 1e3, 4),
            ["medianGBps"] = Math.Round(bytes / times.Median / 1e9, 1),
            ["bestGBps"] = Math.Round(bytes / times.Best / 1e9, 1),
        };
    }

    private static float[] Uniform(long length, ulong seed)
    {
        var rng = new LoomRandom(seed);
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }

    // Seconds per call: two warm-up calls, then `repeat` timed samples. Calls shorter than 20 ms are batched into
    // one sample so timer resolution and loop overhead stay negligible.
    private static (double Median, double Best) Time(Action run, int repeat)
    {
        run();
        var clock = Stopwatch.StartNew();
        run();
        int batch = (int)Math.Clamp(0.02 / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), 1, 10_000);
        var samples = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            clock.Restart();
            for (int i = 0; i < batch; i++) run();
            samples[r] = clock.Elapsed.TotalSeconds / batch;
        }
        Array.Sort(samples);
        double median = repeat % 2 == 1 ? samples[repeat / 2] : (samples[repeat / 2 - 1] + samples[repeat / 2]) / 2;
        return (median, samples[0]);
    }
}
