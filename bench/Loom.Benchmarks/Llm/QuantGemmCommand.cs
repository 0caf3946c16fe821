using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Benchmarks.Llm;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- quant-gemm [--repeat 9] [--threads 1,2] [--n 512] [--types q4_0,q8_0] [--cpu-time] [--json]`:
/// GFLOP/s (2·n·rows·columns per call) of the batched prompt products of a Q4_0 (or Q8_0) file: <see cref="QuantGemm"/> (int8
/// activations) against <see cref="DequantizedGemm"/> (float activations on dequantized weights), for the 1024-wide
/// model's shapes — n × 1024 × 1024 (attention), n × 2816 × 1024 (gate/up) and n × 1024 × 2816 (down). Rounds
/// alternate between the two kernels and the thread counts, so a busy spell on the shared machine hits each alike;
/// medians and bests of the repeats.
/// </summary>
internal static class QuantGemmCommand
{
    public const string Verb = "quant-gemm";

#pragma warning disable CA2255 // An application, not a library: intercepting its own arguments is the point (see CompareEntryPoint).
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void DispatchBeforeMain()
    {
        string[] args = Environment.GetCommandLineArgs();
        if (args.Length >= 2 && args[1] == Verb) Environment.Exit(Run(args[2..]));
    }

    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        bool cpuTime = args.Contains("--cpu-time");
        int repeat = int.Parse(LlmArgs.Option(args, "--repeat") ?? "9");
        int n = int.Parse(LlmArgs.Option(args, "--n") ?? "512");
        int[] threadCounts = (LlmArgs.Option(args, "--threads") ?? "1,2").Split(',').Select(int.Parse).ToArray();
        GgmlType[] types = (LlmArgs.Option(args, "--types") ?? "q4_0").Split(',').Select(t => Enum.Parse<GgmlType>(t, ignoreCase: true)).ToArray();
        if (repeat < 1 || n < 1 || threadCounts.Any(t => t < 1))
        {
            Console.Error.WriteLine($"usage: {Verb} [--repeat R] [--threads 1,2] [--n 512] [--types q4_0,q8_0] [--cpu-time] [--json]");
            return 2;
        }
        var results = new JsonArray();
        foreach (var type in types)
        foreach (var (rows, columns) in new[] { (1024, 1024), (2816, 1024), (1024, 2816) })
        {
            var rng = new LoomRandom((ulong)(rows + columns));
            var w = new float[rows * columns];
            for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextGaussian() * 0.02f;
            var weights = new byte[GgmlTypeTraits.RowBytes(type, columns) * rows];
            Quantize.Row(type, w, weights);
            var x = new float[n * columns];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
            var y = new float[n * rows];
            double flops = 2.0 * n * rows * columns;
            var samples = new Dictionary<(string, int), List<double>>();
            for (int r = 0; r <= repeat; r++)
            {
                foreach (int threads in threadCounts)
                {
                    KernelOptions.Threads = threads;
                    foreach (string kernel in new[] { "quant", "dequantized" })
                    {
                        var process = Process.GetCurrentProcess();
                        TimeSpan cpu0 = process.TotalProcessorTime;
                        long start = Stopwatch.GetTimestamp();
                        if (kernel == "quant") QuantGemm.MultiplyTransposed(type, weights, rows, columns, x, n, y);
                        else DequantizedGemm.MultiplyTransposed(type, weights, rows, columns, x, n, y);
                        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                        process.Refresh();
                        // --cpu-time: process CPU seconds ÷ threads instead of wall time, so time spent descheduled on
                        // a loaded machine does not count (the pool's spinning helpers do).
                        if (cpuTime) seconds = (process.TotalProcessorTime - cpu0).TotalSeconds / threads;
                        if (r == 0) continue; // the first round warms the pool, the scratch and the JIT
                        (samples.TryGetValue((kernel, threads), out var list) ? list : samples[(kernel, threads)] = []).Add(flops / seconds / 1e9);
                    }
                }
            }
            foreach (int threads in threadCounts)
            {
                double Median(string kernel) => samples[(kernel, threads)].Order().ElementAt(repeat / 2);
                double quant = Median("quant"), dequantized = Median("dequantized");
                results.Add(new JsonObject
                {
                    ["type"] = type.ToString(), ["quantKernel"] = QuantGemm.KernelName(type), ["n"] = n, ["rows"] = rows, ["columns"] = columns, ["threads"] = threads,
                    ["quantGflops"] = Math.Round(quant, 1), ["quantBestGflops"] = Math.Round(samples[("quant", threads)].Max(), 1),
                    ["dequantizedGflops"] = Math.Round(dequantized, 1), ["dequantizedBestGflops"] = Math.Round(samples[("dequantized", threads)].Max(), 1),
                    ["ratio"] = Math.Round(quant / dequantized, 2),
                });
                if (!json)
                    Console.WriteLine($"{type} {n}×{rows}×{columns} threads={threads}: quant {quant:F1} GFLOP/s, dequantized {dequantized:F1} GFLOP/s (×{quant / dequantized:F2})");
            }
        }
        if (json)
        {
            var result = new JsonObject { ["bench"] = Verb, ["floatKernel"] = Gemm.KernelName, ["repeat"] = repeat, ["cpuTime"] = cpuTime, ["results"] = results };
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }
        return 0;
    }
}
