namespace Loom.Inference;

/// <summary>
/// The one table of GGUF metadata keys and tensor names the engine reads (llama.cpp's spelling). Architecture keys
/// are prefixed by <c>general.architecture</c>'s value, e.g. <c>llama.block_count</c>.
/// </summary>
public static class GgufNames
{
    public const string Architecture = "general.architecture";
    public const string ModelName = "general.name";
    public const string ChatTemplate = "tokenizer.chat_template";
    public const string TokenizerTokens = "tokenizer.ggml.tokens";

    // {arch}.* hyperparameters.
    public static string ContextLength(string arch) => $"{arch}.context_length";
    public static string EmbeddingLength(string arch) => $"{arch}.embedding_length";
    public static string BlockCount(string arch) => $"{arch}.block_count";
    public static string FeedForwardLength(string arch) => $"{arch}.feed_forward_length";
    public static string HeadCount(string arch) => $"{arch}.attention.head_count";
    public static string HeadCountKv(string arch) => $"{arch}.attention.head_count_kv";
    public static string KeyLength(string arch) => $"{arch}.attention.key_length";
    public static string ValueLength(string arch) => $"{arch}.attention.value_length";
    public static string RmsEpsilon(string arch) => $"{arch}.attention.layer_norm_rms_epsilon";
    public static string RopeFreqBase(string arch) => $"{arch}.rope.freq_base";
    public static string RopeDimensionCount(string arch) => $"{arch}.rope.dimension_count";
    public static string VocabSize(string arch) => $"{arch}.vocab_size";
    /// <summary>Experts per layer of a mixture-of-experts model (Mixtral, Qwen MoE); absent or 0 for dense ones.</summary>
    public static string ExpertCount(string arch) => $"{arch}.expert_count";
    public static string RopeScalingType(string arch) => $"{arch}.rope.scaling.type";
    public static string RopeScalingFactor(string arch) => $"{arch}.rope.scaling.factor";
    /// <summary>The older spelling of a linear scaling factor.</summary>
    public static string RopeScaleLinear(string arch) => $"{arch}.rope.scale_linear";

    // Model-level tensors.
    public const string TokenEmbedding = "token_embd.weight";
    public const string OutputNorm = "output_norm.weight";
    /// <summary>The output projection; absent when it is tied to <see cref="TokenEmbedding"/>.</summary>
    public const string Output = "output.weight";
    /// <summary>Per-frequency divisors of the RoPE angles (Llama 3.1+ long-context scaling), [rope dims / 2].</summary>
    public const string RopeFrequencies = "rope_freqs.weight";

    // Per-layer tensors, blk.{layer}.*.
    public static string AttentionNorm(int layer) => $"blk.{layer}.attn_norm.weight";
    public static string Query(int layer) => $"blk.{layer}.attn_q.weight";
    public static string Key(int layer) => $"blk.{layer}.attn_k.weight";
    public static string Value(int layer) => $"blk.{layer}.attn_v.weight";
    public static string QueryBias(int layer) => $"blk.{layer}.attn_q.bias";
    public static string KeyBias(int layer) => $"blk.{layer}.attn_k.bias";
    public static string ValueBias(int layer) => $"blk.{layer}.attn_v.bias";
    public static string QueryNorm(int layer) => $"blk.{layer}.attn_q_norm.weight";
    public static string KeyNorm(int layer) => $"blk.{layer}.attn_k_norm.weight";
    public static string AttentionOutput(int layer) => $"blk.{layer}.attn_output.weight";
    public static string FeedForwardNorm(int layer) => $"blk.{layer}.ffn_norm.weight";
    public static string FeedForwardGate(int layer) => $"blk.{layer}.ffn_gate.weight";
    public static string FeedForwardUp(int layer) => $"blk.{layer}.ffn_up.weight";
    public static string FeedForwardDown(int layer) => $"blk.{layer}.ffn_down.weight";
}
