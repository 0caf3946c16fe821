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
/// The net is Glow's 3×3 → 1×1 → 3×3; its last conv starts at zero (h = 0, so s = 1 and t = 0), so every coupling,
/// and with the other layers the whole flow, starts as a volume-preserving map. How h becomes s depends on
/// <see cref="CouplingScale"/>: <see cref="CouplingScale.SoftClamp"/> (log s = 2·tanh(h/2), ActNorm after each hidden
/// conv) bounds the inverse's gain by e^2 for any input; <see cref="CouplingScale.Sigmoid"/> (s = sigmoid(h + 2)/sigmoid(2),
/// plain ReLU net) is the first kind, kept for flows saved with it.
/// </remarks>
public sealed class AffineCoupling : FlowLayer
{
    // −log sigmoid(2) = softplus(−2), computed as Ops.Softplus does, so the sigmoid kind's scale is exactly 1 at h = 0.
    private static readonly float SoftplusOfMinusTwo = (float)Math.Log(1 + Math.Exp(-2.0));

    private readonly int _kept, _changed;
    private readonly CouplingScale _scale;
    private readonly Conv2d _input, _hidden, _output;
    private readonly ActNorm? _inputNorm, _hiddenNorm;

    /// <param name="channels">Channels of the layer's input (at least 2).</param>
    /// <param name="hidden">Channels of the net's hidden layers: the main lever on capacity and speed.</param>
    /// <param name="scale">How the net's output becomes the scale (see <see cref="CouplingScale"/>).</param>
    public AffineCoupling(int channels, int hidden, LoomRandom rng, CouplingScale scale = CouplingScale.SoftClamp)
    {
        if (channels < 2) throw LoomException.Argument($"affine coupling: needs at least 2 channels to split, found {channels}");
        if (hidden < 1) throw LoomException.Argument($"affine coupling: hidden channels must be positive, found {hidden}");
        _kept = channels / 2;
        _changed = channels - _kept;
        _scale = scale;
        // 3×3 → 1×1 → 3×3 as in Glow: the 3×3s see neighbours, the 1×1 mixes features cheaply.
        _input = AddModule("input", new Conv2d(_kept, hidden, 3, rng, padding: 1));
        _hidden = AddModule("hidden", new Conv2d(hidden, hidden, 1, rng));
        _output = AddModule("output", new Conv2d(hidden, 2 * _changed, 3, rng, padding: 1));
        _output.Weight.Data.Clear();
        _output.Bias!.Data.Clear();
        if (scale == CouplingScale.SoftClamp)
        {
            // Glow's ActNorm inside the net: hidden features start normalized (data-dependent init with the flow's
            // own ActNorms), so the net trains at a good rate from the first step whatever the input's scale.
            _inputNorm = AddModule("inputNorm", new ActNorm(hidden));
            _hiddenNorm = AddModule("hiddenNorm", new ActNorm(hidden));
        }
    }

    public CouplingScale Scale => _scale;

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

    /// <summary>t and log s from the net's output h (shift first, then the raw scale).</summary>
    private (Tensor Shift, Tensor LogScale) ShiftAndLogScale(Tensor kept)
    {
        var features = _input.Forward(kept);
        if (_inputNorm is not null) features = _inputNorm.Forward(features);
        features = _hidden.Forward(Ops.Relu(features));
        if (_hiddenNorm is not null) features = _hiddenNorm.Forward(features);
        var h = _output.Forward(Ops.Relu(features));
        var shift = h.Slice(1, 0, _changed);
        var raw = h.Slice(1, _changed, _changed);
        var logScale = _scale == CouplingScale.SoftClamp
            ? SoftClamp.Apply(raw, SoftClamp.CouplingBound)
            // log sigmoid(h + 2) − log sigmoid(2) = −softplus(−h − 2) + softplus(−2)
            : Ops.AddScalar(Ops.Neg(Ops.Softplus(Ops.AddScalar(Ops.Neg(raw), -2f))), SoftplusOfMinusTwo);
        return (shift, logScale);
    }
}
