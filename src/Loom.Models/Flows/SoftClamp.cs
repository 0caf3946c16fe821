using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// bound·tanh(h/bound): h itself near 0 (slope 1, so a zero-initialized net still starts at the identity and learns
/// at full rate), never beyond ±bound. Applied to a log-scale it keeps exp of it in (e^−bound, e^bound).
/// </summary>
public static class SoftClamp
{
    /// <summary>The couplings' bound on log s: each can expand or contract by up to e^2 ≈ 7.4 (FrEIA's default clamp).</summary>
    public const float CouplingBound = 2f;

    /// <summary>The split priors' bound on log σ: σ ∈ (0.05, 20), wider than a coupling's because a prior models a whole latent.</summary>
    public const float PriorBound = 3f;

    public static Tensor Apply(Tensor h, float bound) => Ops.Scale(Ops.Tanh(Ops.Scale(h, 1 / bound)), bound);
}
