using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>One step of flow (Glow): actnorm → invertible 1×1 conv → affine coupling.</summary>
public sealed class FlowStep : FlowLayer
{
    private readonly FlowLayer[] _layers;

    public FlowStep(int channels, int hidden, LoomRandom rng, CouplingScale scale = CouplingScale.SoftClamp)
    {
        _layers =
        [
            AddModule("actnorm", new ActNorm(channels)),
            AddModule("mix", new InvertibleConv1x1(channels, rng)),
            AddModule("coupling", new AffineCoupling(channels, hidden, rng, scale)),
        ];
    }

    /// <summary>The three layers in forward order.</summary>
    public IReadOnlyList<FlowLayer> Layers => _layers;

    public override (Tensor Y, Tensor LogDet) Transform(Tensor x)
    {
        Tensor? logDet = null;
        foreach (var layer in _layers)
        {
            var (y, layerLogDet) = layer.Transform(x);
            logDet = logDet is null ? layerLogDet : Ops.Add(logDet, layerLogDet);
            x = y;
        }
        return (x, logDet!);
    }

    public override Tensor Inverse(Tensor y)
    {
        for (int i = _layers.Length - 1; i >= 0; i--) y = _layers[i].Inverse(y);
        return y;
    }
}
