using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// One invertible layer of a normalizing flow over [N, C, H, W]: <see cref="Transform"/> maps data toward the latent
/// (x → y) and returns log|det ∂y/∂x| per image; <see cref="Inverse"/> maps back exactly. The shape never changes.
/// </summary>
public abstract class FlowLayer : Module
{
    /// <summary>y = f(x) with its graph, and log|det J| as a [N] tensor, or rank-0 when it is the same for every image.</summary>
    public abstract (Tensor Y, Tensor LogDet) Transform(Tensor x);

    /// <summary>x = f⁻¹(y), computed without gradients (sampling, decoding).</summary>
    public abstract Tensor Inverse(Tensor y);

    /// <summary>The forward direction without its log-determinant.</summary>
    public sealed override Tensor Forward(Tensor input) => Transform(input).Y;
}
