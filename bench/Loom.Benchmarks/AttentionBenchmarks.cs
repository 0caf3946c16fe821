using BenchmarkDotNet.Attributes;
using Loom.Core;
using Loom.Tensors;

namespace Loom.Benchmarks;

/// <summary>
/// Causal attention for one sequence of 4 heads with D = 64: the tiled (FlashAttention-style) op, forward alone and
/// forward + backward, against the materialized form softmax(mask(q·kᵀ·scale))·v built from MatMul and Softmax,
/// which holds the whole T×T score matrix.
/// Run: dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*Attention*'
/// </summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private const int Heads = 4, HeadDim = 64;
    private Tensor _q = null!, _k = null!, _v = null!, _mask = null!;

    [Params(256, 1024)]
    public int T { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new LoomRandom(1);
        _q = Tensor.Randn(rng, [1, Heads, T, HeadDim]).WithGrad();
        _k = Tensor.Randn(rng, [1, Heads, T, HeadDim]).WithGrad();
        _v = Tensor.Randn(rng, [1, Heads, T, HeadDim]).WithGrad();
        var future = new bool[T * T];
        for (int i = 0; i < T; i++)
        for (int j = i + 1; j < T; j++) future[i * T + j] = true;
        _mask = Tensor.FromArray(future.Select(m => m ? 1f : 0f).ToArray(), T, T);
    }

    [Benchmark(Baseline = true)]
    public Tensor MaterializedForward()
    {
        using var _ = GradMode.NoGrad();
        var scores = Ops.Scale(Ops.MatMul(_q, _k.Transpose(-2, -1)), 1f / MathF.Sqrt(HeadDim));
        return Ops.MatMul(Ops.Softmax(Ops.MaskedFill(scores, _mask, float.NegativeInfinity)), _v);
    }

    [Benchmark]
    public Tensor TiledForward()
    {
        using var _ = GradMode.NoGrad();
        return Ops.ScaledDotProductAttention(_q, _k, _v);
    }

    [Benchmark]
    public void TiledForwardBackward()
    {
        _q.ZeroGrad();
        _k.ZeroGrad();
        _v.ZeroGrad();
        Ops.Sum(Ops.ScaledDotProductAttention(_q, _k, _v)).Backward();
    }
}
