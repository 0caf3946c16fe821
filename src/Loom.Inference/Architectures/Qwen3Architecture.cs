using Loom.Kernels;

namespace Loom.Inference.Architectures;

/// <summary>Qwen 3: no QKV biases; each query and key head is RMS-normalized (attn_q_norm / attn_k_norm, one weight
/// per head element) before NEOX RoPE. Head width comes from <c>attention.key_length</c> and may differ from
/// n_embd / heads.</summary>
public sealed class Qwen3Architecture : LlmArchitecture
{
    public override string Name => "qwen3";
    public override RopeStyle RopeStyle => RopeStyle.NeoX;
    public override bool HasQkNorm => true;
}
