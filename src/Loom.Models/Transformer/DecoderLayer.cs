using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// One pre-norm block: x = x + Attn(Norm(x)); x = x + Mlp(Norm(x)). Children are named as in Hugging Face Llama
/// (input_layernorm, self_attn, post_attention_layernorm, mlp).
/// </summary>
public sealed class DecoderLayer : Module
{
    private readonly Module _inputNorm, _postAttentionNorm;
    private readonly SelfAttention _attention;
    private readonly FeedForward _mlp;
    private readonly float _dropout;
    private readonly int _index;

    internal DecoderLayer(TransformerConfig config, int index, LoomRandom rng)
    {
        _index = index;
        _dropout = config.Dropout;
        _inputNorm = AddModule("input_layernorm", TransformerNorm.Create(config));
        _attention = AddModule("self_attn", new SelfAttention(config, rng));
        _postAttentionNorm = AddModule("post_attention_layernorm", TransformerNorm.Create(config));
        _mlp = AddModule("mlp", new FeedForward(config, rng));
    }

    /// <summary>Dropout masks come from <paramref name="dropout"/>; null: no dropout.</summary>
    internal Tensor Forward(Tensor x, int startPos, KvCache? cache, LoomRandom? dropout)
    {
        x = x + Drop(_attention.Forward(_inputNorm.Forward(x), startPos, cache, _index, dropout), dropout);
        x = x + Drop(_mlp.Forward(_postAttentionNorm.Forward(x)), dropout);
        return x;
    }

    private Tensor Drop(Tensor x, LoomRandom? dropout) => dropout != null ? Ops.Dropout(x, _dropout, training: true, dropout) : x;
}
