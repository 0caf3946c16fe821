using Loom.Kernels;

namespace Loom.Inference.Architectures;

/// <summary>
/// What one decoder-only architecture does differently from the shared pre-norm block (RMSNorm → GQA attention with
/// RoPE → residual → RMSNorm → SwiGLU → residual, see <see cref="DecoderLayer"/>). Each architecture is one small
/// file that overrides these members; <see cref="ArchitectureRegistry"/> picks it by <c>general.architecture</c>.
/// </summary>
public abstract class LlmArchitecture
{
    /// <summary>The <c>general.architecture</c> value, e.g. "llama".</summary>
    public abstract string Name { get; }

    /// <summary>Which elements RoPE rotates together: llama.cpp's "normal" adjacent pairs or NEOX halves.</summary>
    public abstract RopeStyle RopeStyle { get; }

    /// <summary>Whether Q, K and V projections must carry biases (attn_q.bias, …). Where false they are still used
    /// when the file has them.</summary>
    public virtual bool RequiresQkvBias => false;

    /// <summary>Whether each query and key head is RMS-normalized (attn_q_norm / attn_k_norm) before RoPE.</summary>
    public virtual bool HasQkNorm => false;

    public override string ToString() => Name;
}
