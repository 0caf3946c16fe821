using BenchmarkDotNet.Attributes;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Benchmarks;

/// <summary>
/// A 4096×4096 GGUF weight matrix times one activation row (generation) or a batch of rows (prompt processing),
/// through <see cref="QuantMatMul"/>. Each call uses the next of several copies of the matrix, together more than
/// twice the L3 cache, so the weights stream from DRAM as in a real model. GB/s of weights read = WeightBytes / mean
/// (F16 33.6 MB, Q8_0 17.8 MB, Q4_0 and Q4_K 9.4 MB); on a shared machine Min is the least disturbed run. Run:
/// dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*QuantMatVec*' --job short --inProcess
/// </summary>
[MinColumn, MedianColumn]
public class QuantMatVecBenchmarks
{
    private const int Rows = 4096, Cols = 4096;
    private const long StreamedBytes = 80L << 20; // the copies together: past the 32 MB L3 of the machines measured

    private byte[][] _copies = [];
    private float[] _x = [], _y = [];
    private int _next;

    [Params(GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K)]
    public GgmlType Type { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>Activation rows per call: 1 is a decode step, 16 a slice of a prompt.</summary>
    [Params(1, 16)]
    public int Batch { get; set; } = 1;

    public long WeightBytes => GgmlTypeTraits.RowBytes(Type, Cols) * Rows;

    [GlobalSetup]
    public void Setup()
    {
        float[] w = GemmBenchData.Uniform(Rows * Cols, 3);
        var first = new byte[WeightBytes];
        Quantize.Row(Type, w, first);
        int copies = (int)Math.Max(2, (StreamedBytes + WeightBytes - 1) / WeightBytes);
        _copies = Enumerable.Range(0, copies).Select(_ => (byte[])first.Clone()).ToArray();
        _x = GemmBenchData.Uniform(Batch * Cols, 4);
        _y = new float[Batch * Rows];
        KernelOptions.Threads = Threads;
    }

    [Benchmark(Description = "Y = X·Wᵀ (GGUF weights)")]
    public void Multiply()
    {
        var weights = _copies[_next];
        _next = (_next + 1) % _copies.Length;
        QuantMatMul.MatMul(Type, weights, Rows, Cols, _x, Batch, _y);
    }
}
