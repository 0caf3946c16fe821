using System.Globalization;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// The child side of <see cref="OpenBlasCompare"/>: one process per OpenBLAS kernel variant (the environment that
/// selects the variant is fixed when the library loads), driven over stdin/stdout one line at a time so the parent
/// can interleave its samples with Loom's. Protocol: prints "ready CORENAME"; then
/// "gemm M N K THREADS" or "gemv ROWS COLS THREADS" (allocate and warm up; answers "ok"), "sample" or "sample-cpu"
/// (answers seconds per call of wall or CPU time: the thread's on one thread, the process's on more), "quit".
/// </summary>
internal static unsafe class OpenBlasChild
{
    public static int Run()
    {
        Console.WriteLine($"ready {OpenBlasNative.CoreName}");
        SampleTimer? timer = null;
        while (Console.ReadLine() is { } line)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            int[] numbers = words.Skip(1).Select(int.Parse).ToArray();
            switch (words[0])
            {
                case "gemm":
                    timer = null; // let the previous shape's arrays go before allocating the next
                    OpenBlasNative.SetNumThreads(numbers[3]);
                    timer = Sgemm(numbers[0], numbers[1], numbers[2], numbers[3]);
                    Console.WriteLine("ok");
                    break;
                case "gemv":
                    timer = null;
                    OpenBlasNative.SetNumThreads(numbers[2]);
                    timer = Sgemv(numbers[0], numbers[1]);
                    Console.WriteLine("ok");
                    break;
                case "sample" or "sample-cpu":
                    var sampler = timer ?? throw new InvalidOperationException("sample before gemm/gemv");
                    Console.WriteLine(sampler.Sample(threadCpuTime: words[0] == "sample-cpu").ToString("R", CultureInfo.InvariantCulture));
                    break;
                case "quit":
                    return 0;
                default:
                    Console.Error.WriteLine($"openblas-child: unknown command '{line}'");
                    return 2;
            }
        }
        return 0;
    }

    private static SampleTimer Sgemm(int m, int n, int k, int threads)
    {
        float[] a = GemmBenchData.Uniform((long)m * k, 1), b = GemmBenchData.Uniform((long)k * n, 2), c = new float[(long)m * n];
        return new SampleTimer(() =>
        {
            fixed (float* pa = a, pb = b, pc = c)
                OpenBlasNative.Sgemm(OpenBlasNative.RowMajor, OpenBlasNative.NoTrans, OpenBlasNative.NoTrans, m, n, k,
                    1f, pa, k, pb, n, 0f, pc, n);
        }, threads);
    }

    private static SampleTimer Sgemv(int rows, int cols)
    {
        float[] w = GemmBenchData.Uniform((long)rows * cols, 3), x = GemmBenchData.Uniform(cols, 4), y = new float[rows];
        return new SampleTimer(() =>
        {
            fixed (float* pw = w, px = x, py = y)
                OpenBlasNative.Sgemv(OpenBlasNative.RowMajor, OpenBlasNative.NoTrans, rows, cols, 1f, pw, cols, px, 1, 0f, py, 1);
        });
    }
}
