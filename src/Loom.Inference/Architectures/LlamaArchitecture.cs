using Loom.Kernels;

namespace Loom.Inference.Architectures;

/// <summary>Llama 2/3.x, Mistral, TinyLlama, SmolLM: the plain block. GGUF llama weights are permuted for llama.cpp's
/// "normal" RoPE, which rotates adjacent pairs (x₂ᵢ, x₂ᵢ₊₁).</summary>
public sealed class LlamaArchitecture : LlmArchitecture
{
    public override string Name => "llama";
    public override RopeStyle RopeStyle => RopeStyle.Interleaved;
}
