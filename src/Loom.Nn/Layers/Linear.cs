using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// y = x·Wᵀ + b over the last dimension. Weight [out, in], bias [out]; PyTorch's initialization: Kaiming-uniform
/// with a = √5 (bound 1/√in) for the weight and U(−1/√in, 1/√in) for the bias.
/// </summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, LoomRandom rng, bool bias = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw LoomException.Argument($"Linear: features must be positive, found in={inFeatures} out={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
        Bias = bias ? AddParameter("bias", Tensor.Zeros(outFeatures)) : null;
        DefaultInit.WeightAndBias(Weight, Bias, rng);
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor Forward(Tensor input) => Ops.Linear(input, Weight, Bias?.Value);
}
