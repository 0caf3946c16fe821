using Loom.Kernels;

namespace Loom.Inference.Architectures;

/// <summary>Qwen 2 / 2.5: the plain block with biases on the Q, K and V projections and NEOX RoPE (xᵢ, xᵢ₊d/2).</summary>
public sealed class Qwen2Architecture : LlmArchitecture
{
    public override string Name => "qwen2";
    public override RopeStyle RopeStyle => RopeStyle.NeoX;
    public override bool RequiresQkvBias => true;
}
