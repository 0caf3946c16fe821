using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>x / √(mean(x²) + ε) · gain over the last dimension (no centring, no bias), as in LLaMA.</summary>
public sealed class RmsNorm : Module
{
    public RmsNorm(int dim, float eps = 1e-6f)
    {
        if (dim < 1) throw LoomException.Argument($"RmsNorm: dim must be positive, found {dim}");
        Dim = dim;
        Eps = eps;
        Weight = AddParameter("weight", Tensor.Ones(dim), noDecay: true);
    }

    public int Dim { get; }
    public float Eps { get; }
    public Parameter Weight { get; }

    public override Tensor Forward(Tensor input) => Ops.RmsNorm(input, Weight, Eps);
}
