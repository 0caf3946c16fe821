using BenchmarkDotNet.Attributes;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Benchmarks;

/// <summary>
/// Row softmax, vectorized kernel against its scalar double-precision reference, at the shapes that matter:
/// attention rows (64×1024) and one LM-head row over a large vocabulary (1×32000).
/// Run: dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*Softmax*'
/// </summary>
[MemoryDiagnoser]
public class SoftmaxBenchmarks
{
    private float[] _x = [];
    private float[] _y = [];
    private int _rows, _cols;

    [Params("64x1024", "1x32000")]
    public string Shape { get; set; } = "64x1024";

    [GlobalSetup]
    public void Setup()
    {
        _rows = int.Parse(Shape.Split('x')[0]);
        _cols = int.Parse(Shape.Split('x')[1]);
        var rng = new LoomRandom(1);
        _x = new float[_rows * _cols];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(rng.NextGaussian() * 4);
        _y = new float[_x.Length];
    }

    [Benchmark(Baseline = true)]
    public void Reference() => SoftmaxReference.Forward(_x, _y, _rows, _cols);

    [Benchmark]
    public void Loom() => Softmax.Forward(_x, _y, _rows, _cols);

    [Benchmark]
    public void LoomLog() => Softmax.LogForward(_x, _y, _rows, _cols);
}
