using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// One scale of the multi-scale flow: squeeze (C → 4C channels at half the size), K steps of flow, then, except at
/// the last level, a split that factors half of the channels out as a latent under a <see cref="SplitPrior"/>.
/// </summary>
public sealed class FlowLevel : Module
{
    private readonly FlowStep[] _steps;

    /// <param name="inChannels">Channels before the squeeze.</param>
    public FlowLevel(int inChannels, bool split, int stepsPerLevel, int hidden, LoomRandom rng, CouplingScale scale = CouplingScale.SoftClamp)
    {
        Channels = inChannels * 4;
        _steps = new FlowStep[stepsPerLevel];
        for (int i = 0; i < stepsPerLevel; i++) _steps[i] = AddModule($"{i}", new FlowStep(Channels, hidden, rng, scale));
        KeptChannels = split ? Channels / 2 : Channels;
        if (split) Prior = AddModule("prior", new SplitPrior(KeptChannels, Channels - KeptChannels, rng, clampLogStd: scale == CouplingScale.SoftClamp));
    }

    /// <summary>Channels the steps work on (after the squeeze).</summary>
    public int Channels { get; }

    /// <summary>Channels passed on to the next level (all of them at the last level).</summary>
    public int KeptChannels { get; }

    /// <summary>The prior of the split-off channels; null at the last level.</summary>
    public SplitPrior? Prior { get; }

    public IReadOnlyList<FlowStep> Steps => _steps;

    /// <summary>Squeeze and run the steps: x [N, C, H, W] → [N, 4C, H/2, W/2] with the log-determinant per image.</summary>
    public (Tensor Y, Tensor LogDet) Transform(Tensor x)
    {
        x = Squeeze.Down(x);
        Tensor logDet = Tensor.Zeros(1);
        foreach (var step in _steps)
        {
            var (y, stepLogDet) = step.Transform(x);
            logDet = Ops.Add(logDet, stepLogDet);
            x = y;
        }
        return (x, logDet);
    }

    /// <summary>The steps backwards, then unsqueeze: the inverse of <see cref="Transform"/>.</summary>
    public Tensor Inverse(Tensor y)
    {
        for (int i = _steps.Length - 1; i >= 0; i--) y = _steps[i].Inverse(y);
        return Squeeze.Up(y);
    }
}
