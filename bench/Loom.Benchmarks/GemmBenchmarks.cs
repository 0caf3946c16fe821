using BenchmarkDotNet.Attributes;
using Loom.Kernels;

namespace Loom.Benchmarks;

/// <summary>
/// float32 GEMM at a small square, a large square and the skinny shape of a 64-token batch through a 4096-wide layer.
/// For GFLOP/s divide 2·m·n·k by the mean. Run:
/// dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*GemmBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;

    [Params("256x256x256", "1024x1024x1024", "64x4096x4096")]
    public string Shape { get; set; } = "256x256x256";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        int[] dims = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        _a = GemmBenchData.Uniform(_m * _k, 1);
        _b = GemmBenchData.Uniform(_k * _n, 2);
        _c = new float[_m * _n];
        KernelOptions.Threads = Threads;
    }

    [Benchmark(Description = "C = A·B")]
    public void Multiply() => Gemm.Multiply(_a, _b, _c, _m, _n, _k);

    [Benchmark(Description = "C = A·Bᵀ")]
    public void MultiplyTransposedB() => Gemm.Multiply(_a, _b, _c, _m, _n, _k, transB: true);
}
