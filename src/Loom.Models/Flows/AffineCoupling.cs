using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// Affine coupling (RealNVP/Glow): the first half of the channels passes unchanged and a small conv net reads it to
/// predict a shift t and a scale s for the second half, y_b = (x_b + t)·s. The Jacobian is triangular, so
/// log|det J| = Σ log s, and the inverse x_b = y_b / s − t needs the net only forward.
/// </summary>
/// <remarks>
/// s = sigmoid(h + 2) / sigmoid(2): the sigmoid keeps s in (0, 1.14), so no step can blow a value up (Glow's fix
/// for unstable training), and dividing by sigmoid(2) makes s = 1 where h = 0. The net's last conv starts at zero
/// (h = 0, t = 0), so every coupling, and with the other layers the whole flow, starts as a volume-preserving map.
/// </remarks>
public sealed class AffineCoupling : FlowLayer
{
    // −log sigmoid(2) = softplus(−2), computed as Ops.Softplus does, so the scale is exactly 1 at h = 0.
    private static readonly float SoftplusOfMinusTwo = (float)Math.Log(1 + Math.Exp(-2.0));

    private readonly int _kept, _changed;
    private readonly Conv2d _input, _hidden, _output;

    /// <param name="channels">Channels of the layer's input (at least 2).</param>
    /// <param name="hidden">Channels of the net's hidden layers: the main lever on capacity and speed.</param>
    public AffineCoupling(int channels, int hidden, LoomRandom rng)
    {
        if (channels < 2) throw LoomException.Argument($"affine coupling: needs at least 2 channels to split, found {channels}");
        if (hidden < 1) throw LoomException.Argument($"affine coupling: hidden channels must be positive, found {hidden}");
        _kept = channels / 2;
        _changed = channels - _kept;
        // 3×3 → 1×1 → 3×3 as in Glow: the 3×3s see neighbours, the 1×1 mixes features cheaply.
        _input = AddModule("input", new Conv2d(_kept, hidden, 3, rng, padding: 1));
        _hidden = AddModule("hidden", new Conv2d(hidden, hidden, 1, rng));
        _output = AddModule("output", new Conv2d(hidden, 2 * _changed, 3, rng, padding: 1));
        _output.Weight.Data.Clear();
        _output.Bias!.Data.Clear();
    }

    public override (Tensor Y, Tensor LogDet) Transform(Tensor x)
    {
        var (kept, changed) = Halves(x);
        var (shift, logScale) = ShiftAndLogScale(kept);
        var y = Ops.Mul(Ops.Add(changed, shift), Ops.Exp(logScale));
        return (Ops.Concat([kept, y], 1), Ops.Sum(logScale, [1, 2, 3]));
    }

    public override Tensor Inverse(Tensor y)
    {
        using var _ = GradMode.NoGrad();
        var (kept, changed) = Halves(y);
        var (shift, logScale) = ShiftAndLogScale(kept);
        var x = Ops.Sub(Ops.Mul(changed, Ops.Exp(Ops.Neg(logScale))), shift);
        return Ops.Concat([kept, x], 1);
    }

    private (Tensor Kept, Tensor Changed) Halves(Tensor x) => (x.Slice(1, 0, _kept), x.Slice(1, _kept, _changed));

    /// <summary>t and log s = log sigmoid(h + 2) − log sigmoid(2) = −softplus(−h − 2) − log sigmoid(2).</summary>
    private (Tensor Shift, Tensor LogScale) ShiftAndLogScale(Tensor kept)
    {
        var h = _output.Forward(Ops.Relu(_hidden.Forward(Ops.Relu(_input.Forward(kept)))));
        var shift = h.Slice(1, 0, _changed);
        var raw = h.Slice(1, _changed, _changed);
        var logScale = Ops.AddScalar(Ops.Neg(Ops.Softplus(Ops.AddScalar(Ops.Neg(raw), -2f))), SoftplusOfMinusTwo);
        return (shift, logScale);
    }
}
