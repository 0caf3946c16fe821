using BenchmarkDotNet.Attributes;
using Loom.Kernels;

namespace Loom.Benchmarks;

/// <summary>
/// One token through a 4096×4096 layer: 64 MB of weights, more than L3, so this measures streaming from DRAM.
/// GB/s = 67.1 MB / mean. Run: dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*MatVec*'
/// </summary>
[MemoryDiagnoser]
public class MatVecBenchmarks
{
    private const int Rows = 4096, Cols = 4096;
    private float[] _w = [], _x = [], _y = [];

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _w = GemmBenchData.Uniform(Rows * Cols, 3);
        _x = GemmBenchData.Uniform(Cols, 4);
        _y = new float[Rows];
        KernelOptions.Threads = Threads;
    }

    [Benchmark(Description = "y = W·x")]
    public void Multiply() => MatVec.Multiply(_w, _x, _y, Rows, Cols);

    [Benchmark(Description = "y = x·W")]
    public void MultiplyTransposed() => MatVec.MultiplyTransposed(_w, _x, _y, Rows, Cols);
}
