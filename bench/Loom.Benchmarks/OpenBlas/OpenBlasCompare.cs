using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Kernels;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- compare-openblas [--repeat R] [--json]`:
/// Loom's GEMM against OpenBLAS with its AVX-512 kernel (the one its own CPU detection picks) and with the kernel
/// this machine's environment forces (Haswell, AVX2), at 1024³, 2048³ and M = 64 / 512 rows × N = K = 4096, on 1 and
/// 2 threads; then the 4096×4096 matrix-vector product in GB/s. The three are sampled in turn, R rounds, so load
/// from other processes hits all of them alike; every figure is a median.
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
            Console.WriteLine($"GFLOP/s = 2·M·N·K / time; medians of {repeat} interleaved samples");
            Console.WriteLine($"{"shape",-16} {"thr",3} {"loom",8} {"native",8} {"env",8} {"loom/native",12} {"loom/env",9}");
        }

        var gemmRows = new JsonArray();
        foreach (var (m, n, k) in Shapes)
        foreach (int threads in ThreadCounts)
        {
            var row = CompareGemm(m, n, k, threads, repeat, native, fromEnvironment);
            gemmRows.Add(row);
            if (!json)
                Console.WriteLine($"{$"{m}x{n}x{k}",-16} {threads,3} {row["loomGflops"],8} {row["nativeGflops"],8} {row["envGflops"],8} " +
                    $"{row["loomOverNative"],12} {row["loomOverEnv"],9}");
        }

        var matVecRows = new JsonArray();
        if (!json) Console.WriteLine($"{"matvec",-16} {"thr",3} {"loom",8} {"native",8} {"env",8}   (GB/s of weights, y = W·x, 4096x4096)");
        foreach (int threads in ThreadCounts)
        {
            var row = CompareMatVec(4096, 4096, threads, repeat, native, fromEnvironment);
            matVecRows.Add(row);
            if (!json)
                Console.WriteLine($"{"4096x4096",-16} {threads,3} {row["loomGBps"],8} {row["nativeGBps"],8} {row["envGBps"],8}");
        }

        if (json)
        {
            var result = new JsonObject
            {
                ["bench"] = "compare-openblas",
                ["interpretation"] = Interpretation,
                ["repeat"] = repeat,
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

    private static JsonObject CompareGemm(int m, int n, int k, int threads, int repeat,
        OpenBlasChildProcess native, OpenBlasChildProcess fromEnvironment)
    {
        KernelOptions.Threads = threads;
        float[] a = GemmBenchData.Uniform((long)m * k, 1), b = GemmBenchData.Uniform((long)k * n, 2), c = new float[(long)m * n];
        var loom = new SampleTimer(() => Gemm.Multiply(a, b, c, m, n, k));
        native.PrepareGemm(m, n, k, threads);
        fromEnvironment.PrepareGemm(m, n, k, threads);
        var (loomSeconds, nativeSeconds, envSeconds) = Interleave(loom, native, fromEnvironment, repeat);
        double flops = 2.0 * m * n * k;
        double loomRate = flops / loomSeconds / 1e9, nativeRate = flops / nativeSeconds / 1e9, envRate = flops / envSeconds / 1e9;
        return new JsonObject
        {
            ["m"] = m, ["n"] = n, ["k"] = k, ["threads"] = threads,
            ["loomGflops"] = Math.Round(loomRate, 1),
            ["nativeGflops"] = Math.Round(nativeRate, 1),
            ["envGflops"] = Math.Round(envRate, 1),
            ["loomOverNative"] = Math.Round(loomRate / nativeRate, 2),
            ["loomOverEnv"] = Math.Round(loomRate / envRate, 2),
        };
    }

    private static JsonObject CompareMatVec(int rows, int cols, int threads, int repeat,
        OpenBlasChildProcess native, OpenBlasChildProcess fromEnvironment)
    {
        KernelOptions.Threads = threads;
        float[] w = GemmBenchData.Uniform((long)rows * cols, 3), x = GemmBenchData.Uniform(cols, 4), y = new float[rows];
        var loom = new SampleTimer(() => MatVec.Multiply(w, x, y, rows, cols));
        native.PrepareGemv(rows, cols, threads);
        fromEnvironment.PrepareGemv(rows, cols, threads);
        var (loomSeconds, nativeSeconds, envSeconds) = Interleave(loom, native, fromEnvironment, repeat);
        double bytes = 4.0 * rows * cols;
        return new JsonObject
        {
            ["rows"] = rows, ["cols"] = cols, ["threads"] = threads,
            ["loomGBps"] = Math.Round(bytes / loomSeconds / 1e9, 1),
            ["nativeGBps"] = Math.Round(bytes / nativeSeconds / 1e9, 1),
            ["envGBps"] = Math.Round(bytes / envSeconds / 1e9, 1),
        };
    }

    private static (double Loom, double Native, double Env) Interleave(SampleTimer loom, OpenBlasChildProcess native,
        OpenBlasChildProcess fromEnvironment, int repeat)
    {
        var loomSamples = new List<double>();
        var nativeSamples = new List<double>();
        var envSamples = new List<double>();
        for (int round = 0; round < repeat; round++)
        {
            loomSamples.Add(loom.Sample());
            nativeSamples.Add(native.Sample());
            Thread.Sleep(SettleAfterOpenBlas);
            envSamples.Add(fromEnvironment.Sample());
            Thread.Sleep(SettleAfterOpenBlas);
        }
        return (SampleTimer.Median(loomSamples), SampleTimer.Median(nativeSamples), SampleTimer.Median(envSamples));
    }
}
