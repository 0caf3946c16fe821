using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>Normalizes the last dimension to zero mean and unit variance, then scales and shifts (gain 1, bias 0).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int dim, float eps = 1e-5f, bool affine = true)
    {
        if (dim < 1) throw LoomException.Argument($"LayerNorm: dim must be positive, found {dim}");
        Dim = dim;
        Eps = eps;
        if (affine)
        {
            Weight = AddParameter("weight", Tensor.Ones(dim), noDecay: true);
            Bias = AddParameter("bias", Tensor.Zeros(dim), noDecay: true);
        }
    }

    public int Dim { get; }
    public float Eps { get; }
    public Parameter? Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor Forward(Tensor input) => Ops.LayerNorm(input, Weight?.Value, Bias?.Value, Eps);
}
