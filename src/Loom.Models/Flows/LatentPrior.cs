using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// A diagonal Gaussian over one latent [N, C, H, W]: log N(z; μ, σ) = −½ Σ (log 2π + 2 log σ + (z − μ)²/σ²), with μ
/// and log σ given by the subclass (learned constants at the top of the flow, a conv over the kept channels at a
/// split). Both kinds start at the standard normal.
/// </summary>
public abstract class LatentPrior : Module
{
    private static readonly float LogTwoPi = MathF.Log(2 * MathF.PI);

    /// <summary>μ and log σ, each broadcastable to the latent; <paramref name="condition"/> is null for the top prior.</summary>
    public abstract (Tensor Mean, Tensor LogStd) Parameters(Tensor? condition);

    /// <summary>log p(z) per image, [N].</summary>
    public Tensor LogProbability(Tensor z, Tensor? condition = null)
    {
        var (mean, logStd) = Parameters(condition);
        var standardized = Ops.Mul(Ops.Sub(z, mean), Ops.Exp(Ops.Neg(logStd)));
        // Σ log σ per image: [N] for a conditional prior, [1] (the same for every image) for the top one.
        var sum = Ops.Add(Ops.Sum(Ops.Square(standardized), [1, 2, 3]), Ops.Scale(Ops.Sum(logStd, [1, 2, 3]), 2f));
        int perImage = z.Length / z.Size(0);
        return Ops.AddScalar(Ops.Scale(sum, -0.5f), -0.5f * LogTwoPi * perImage);
    }

    /// <summary>z = μ + temperature·σ·ε, ε ~ N(0, 1) drawn from <paramref name="rng"/> in row-major order.</summary>
    public Tensor Sample(int[] shape, Tensor? condition, float temperature, Loom.Core.LoomRandom rng)
    {
        using var _ = GradMode.NoGrad();
        var (mean, logStd) = Parameters(condition);
        var noise = Tensor.Randn(rng, shape, std: temperature);
        return Ops.Add(mean, Ops.Mul(noise, Ops.Exp(logStd)));
    }
}

/// <summary>The prior of the last latent: μ and log σ learned for every channel and position (Glow's "learn top").</summary>
public sealed class TopPrior : LatentPrior
{
    private readonly Parameter _mean, _logStd;

    public TopPrior(int channels, int height, int width)
    {
        _mean = AddParameter("mean", Tensor.Zeros(1, channels, height, width), noDecay: true);
        _logStd = AddParameter("logStd", Tensor.Zeros(1, channels, height, width), noDecay: true);
    }

    public override (Tensor Mean, Tensor LogStd) Parameters(Tensor? condition) => (_mean, _logStd);
}

/// <summary>
/// The prior of the channels split off after a level, conditioned on the channels that go on (Glow): a zero-initialised
/// 3×3 conv predicts μ and log σ, so what leaves early is modelled from what stays rather than as independent noise.
/// </summary>
public sealed class SplitPrior : LatentPrior
{
    private readonly Conv2d _net;
    private readonly int _channels;
    private readonly bool _clampLogStd;

    /// <param name="clampLogStd">
    /// Soft-clamp log σ to ±<see cref="SoftClamp.PriorBound"/> (soft-clamp flows): the conv is linear in the kept
    /// channels, so off-distribution input in sampling would otherwise give σ = e^(large) and an overflowing latent.
    /// </param>
    public SplitPrior(int keptChannels, int splitChannels, Loom.Core.LoomRandom rng, bool clampLogStd = true)
    {
        _channels = splitChannels;
        _clampLogStd = clampLogStd;
        _net = AddModule("net", new Conv2d(keptChannels, 2 * splitChannels, 3, rng, padding: 1));
        _net.Weight.Data.Clear();
        _net.Bias!.Data.Clear();
    }

    public override (Tensor Mean, Tensor LogStd) Parameters(Tensor? condition)
    {
        if (condition is null) throw Loom.Core.LoomException.Argument("flow split prior: needs the kept channels as its condition");
        var h = _net.Forward(condition);
        var logStd = h.Slice(1, _channels, _channels);
        return (h.Slice(1, 0, _channels), _clampLogStd ? SoftClamp.Apply(logStd, SoftClamp.PriorBound) : logStd);
    }
}
