using Loom.Core;
using Loom.Kernels;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// Causal multi-head self-attention with grouped-query heads: separate q_proj/k_proj/v_proj/o_proj (Hugging Face
/// Llama's names, so LoRA can target "q_proj" and "v_proj"), rotary positions on q and k for the Llama style.
/// The projections are looked up by name on every call, so LoRA can swap them for adapters.
/// </summary>
/// <remarks>
/// RoPE uses the NeoX pairing (element i turns with element i + D/2), as Hugging Face Llama checkpoints do.
/// llama.cpp's LLAMA rope pairs adjacent elements instead; a GGUF exporter permutes the rows of q_proj and k_proj
/// to match, as convert_hf_to_gguf does.
/// </remarks>
public sealed class SelfAttention : Module
{
    private readonly int _heads, _kvHeads, _headDim;
    private readonly float? _ropeTheta; // null: no rotary positions (GPT-2 style learns absolute ones)
    private readonly float _attentionDropout;

    internal SelfAttention(TransformerConfig config, LoomRandom rng)
    {
        _heads = config.Heads;
        _kvHeads = config.KvHeads;
        _headDim = config.HeadDim;
        _ropeTheta = config.Style == TransformerStyle.Llama ? config.RopeTheta : null;
        _attentionDropout = config.AttentionDropout;
        int d = config.ModelDim, kv = _kvHeads * _headDim;
        AddModule("q_proj", new Linear(d, _heads * _headDim, rng, config.Bias));
        AddModule("k_proj", new Linear(d, kv, rng, config.Bias));
        AddModule("v_proj", new Linear(d, kv, rng, config.Bias));
        AddModule("o_proj", new Linear(_heads * _headDim, d, rng, config.Bias));
    }

    /// <summary>
    /// x [B, T, d] at positions startPos… → [B, T, d]; with a cache, attends to the cached past as well. Attention
    /// dropout masks come from <paramref name="dropout"/> (training only; null: none).
    /// </summary>
    internal Tensor Forward(Tensor x, int startPos, KvCache? cache, int layer, LoomRandom? dropout)
    {
        int batch = x.Size(0), time = x.Size(1);
        var q = Child("q_proj").Forward(x).Reshape(batch, time, _heads, _headDim);
        var k = Child("k_proj").Forward(x).Reshape(batch, time, _kvHeads, _headDim);
        var v = Child("v_proj").Forward(x).Reshape(batch, time, _kvHeads, _headDim);
        if (_ropeTheta is { } theta)
        {
            q = Ops.Rope(q, startPos, theta, RopeStyle.NeoX);
            k = Ops.Rope(k, startPos, theta, RopeStyle.NeoX);
        }
        // [B, T, H, D] → [B, H, T, D]: the layout attention wants.
        q = q.Permute(0, 2, 1, 3);
        k = k.Permute(0, 2, 1, 3);
        v = v.Permute(0, 2, 1, 3);
        if (cache != null) (k, v) = cache.Append(layer, k, v, startPos);
        var y = dropout != null && _attentionDropout > 0
            ? AttentionWithDropout(q, k, v, dropout)
            : Ops.ScaledDotProductAttention(q, k, v, causal: true);
        y = y.Permute(0, 2, 1, 3).Reshape(batch, time, _heads * _headDim);
        return Child("o_proj").Forward(y);
    }

    /// <summary>
    /// softmax(q·kᵀ/√D, causal)·v with dropout on the attention weights, written out with ops: the fused kernel keeps
    /// no weights to drop. q [B, H, T, D], k and v [B, Hkv, S, D] (S ≥ T, the mask aligned to the end as the kernel's).
    /// </summary>
    private Tensor AttentionWithDropout(Tensor q, Tensor k, Tensor v, LoomRandom dropout)
    {
        int groups = _heads / _kvHeads;
        if (groups > 1)
        {
            // Each kv head serves `groups` query heads: repeat it so the batched product pairs heads one to one.
            int batch = k.Size(0), s = k.Size(2);
            k = Ops.Concat(Enumerable.Repeat(k.Reshape(batch, _kvHeads, 1, s, _headDim), groups).ToArray(), 2).Reshape(batch, _heads, s, _headDim);
            v = Ops.Concat(Enumerable.Repeat(v.Reshape(batch, _kvHeads, 1, s, _headDim), groups).ToArray(), 2).Reshape(batch, _heads, s, _headDim);
        }
        int t = q.Size(2), keys = k.Size(2);
        var scores = Ops.MatMul(q, k.Transpose(2, 3)) * (1f / MathF.Sqrt(_headDim));
        var future = new bool[t * keys];
        for (int i = 0; i < t; i++)
            for (int j = i + keys - t + 1; j < keys; j++) future[i * keys + j] = true;
        var weights = Ops.Softmax(Ops.MaskedFill(scores, future, [t, keys], float.NegativeInfinity));
        return Ops.MatMul(Ops.Dropout(weights, _attentionDropout, training: true, dropout), v);
    }
}
