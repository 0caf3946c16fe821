namespace Loom.Kernels;

/// <summary>Which elements of a head RoPE rotates together as one 2-D pair.</summary>
public enum RopeStyle
{
    /// <summary>Pairs (2i, 2i+1): llama.cpp's LLAMA rope, GPT-J, Meta's original Llama code.</summary>
    Interleaved,
    /// <summary>Pairs (i, i + d/2): GPT-NeoX, Qwen, Hugging Face Llama ("rotate_half").</summary>
    NeoX,
}
