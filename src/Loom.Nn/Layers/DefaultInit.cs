using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>PyTorch's default initialization of Linear and convolution layers, shared by all of them.</summary>
internal static class DefaultInit
{
    /// <summary>
    /// Weight: Kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn); bias: U(−1/√fanIn, 1/√fanIn), with fanIn
    /// read from the weight's layout as PyTorch does (dimension 1 times the kernel size). The weight is drawn
    /// first, then the bias, from the same generator.
    /// </summary>
    public static void WeightAndBias(Parameter weight, Parameter? bias, LoomRandom rng)
    {
        Init.KaimingUniform(weight.Value, rng, a: MathF.Sqrt(5f));
        if (bias is null) return;
        int fanIn = Init.Fans(weight.Shape).FanIn;
        float bound = fanIn > 0 ? 1f / MathF.Sqrt(fanIn) : 0f;
        Init.Uniform(bias.Value, rng, -bound, bound);
    }
}
