using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Models;

/// <summary>
/// Timestep t → the transformer's sinusoidal position code (half sines, half cosines at frequencies
/// 10000^(−i/half)), then an MLP (Linear, SiLU, Linear) to the embedding width: every residual block reads it.
/// </summary>
public sealed class TimestepEmbedding : Module
{
    private readonly Linear _first;
    private readonly Linear _second;

    public TimestepEmbedding(int sinusoidDim, int embeddingDim, LoomRandom rng)
    {
        if (sinusoidDim < 2 || sinusoidDim % 2 != 0) throw LoomException.Argument($"timestep embedding: dim must be even and ≥ 2, found {sinusoidDim}");
        SinusoidDim = sinusoidDim;
        _first = AddModule("first", new Linear(sinusoidDim, embeddingDim, rng));
        _second = AddModule("second", new Linear(embeddingDim, embeddingDim, rng));
    }

    public int SinusoidDim { get; }

    /// <summary>[n] timesteps → [n, embeddingDim].</summary>
    public Tensor Forward(ReadOnlySpan<int> timesteps) => _second.Forward(Ops.Silu(_first.Forward(Sinusoids(timesteps, SinusoidDim))));

    /// <summary>[n, dim]: sin(t·ω_i) for i &lt; dim/2, then cos(t·ω_i), ω_i = 10000^(−i/(dim/2)).</summary>
    public static Tensor Sinusoids(ReadOnlySpan<int> timesteps, int dim)
    {
        int half = dim / 2;
        var data = new float[timesteps.Length * dim];
        for (int n = 0; n < timesteps.Length; n++)
        for (int i = 0; i < half; i++)
        {
            double angle = timesteps[n] * Math.Exp(-Math.Log(10000) * i / half);
            data[n * dim + i] = (float)Math.Sin(angle);
            data[n * dim + half + i] = (float)Math.Cos(angle);
        }
        return new Tensor(data, timesteps.Length, dim);
    }
}
