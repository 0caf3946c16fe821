using System.Text.Json.Serialization;

namespace Loom.Models.Flows;

/// <summary>
/// How a flow bounds its multiplicative terms: the affine couplings' scale and the split priors' σ. Saved in loom.json's
/// config as "coupling"; a config without it is a flow written before the choice existed, and reads as <see cref="Sigmoid"/>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CouplingScale>))]
public enum CouplingScale
{
    /// <summary>
    /// The first kind (kept so older flows still load): s = sigmoid(h + 2)/sigmoid(2) from a plain ReLU net, split
    /// priors' log σ unbounded. s ≤ 1.14 caps what a coupling can expand, and nothing bounds how small s gets: in the
    /// inverse, off-distribution latents (temperature ≥ 0.5) drive h very negative, 1/s grows like e^−h, and a few
    /// layers later the sample overflows to ∞/NaN.
    /// </summary>
    [JsonStringEnumMemberName("sigmoid")]
    Sigmoid,

    /// <summary>
    /// log s = 2·tanh(h/2) (a soft clamp, as in FrEIA's GLOW coupling) from a Glow net with ActNorm after each hidden
    /// conv; split priors' log σ = 3·tanh(h/3). s ∈ (e^−2, e^2): a coupling can expand as well as contract, and its
    /// inverse multiplies by at most e^2 whatever the input, so sampling stays finite at any temperature.
    /// </summary>
    [JsonStringEnumMemberName("softClamp")]
    SoftClamp,
}
