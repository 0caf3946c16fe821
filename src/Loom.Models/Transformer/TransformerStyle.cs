namespace Loom.Models.Transformer;

/// <summary>The two decoder recipes a <see cref="TransformerConfig"/> can choose.</summary>
public enum TransformerStyle
{
    /// <summary>RMSNorm, rotary positions (NeoX pairing, as Hugging Face Llama), SwiGLU MLP, grouped-query attention, no biases.</summary>
    Llama,
    /// <summary>LayerNorm, learned absolute positions, GELU MLP (4·d), biases everywhere.</summary>
    Gpt2,
}
