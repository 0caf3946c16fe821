using System.Numerics.Tensors;
using Loom.Inference.Architectures;
using Loom.Kernels;

namespace Loom.Inference;

/// <summary>
/// The pre-norm decoder block every supported architecture shares, for n new tokens at positions start..start+n−1:
/// x += W_o·Attention(RoPE(norm?(W_q·h + b_q)), RoPE(norm?(W_k·h + b_k)), W_v·h + b_v) with h = RMSNorm(x), then
/// x += W_down·(SiLU(W_gate·h) ⊙ W_up·h) with h = RMSNorm(x). What differs per architecture (biases, per-head Q/K
/// norm, RoPE pairing) comes from <see cref="LlmArchitecture"/> and the weights present.
/// </summary>
/// <remarks>The caller has filled the batch's RoPE angles and made room in the cache for its positions.</remarks>
internal sealed unsafe class DecoderLayer(LlmConfig c, LlmArchitecture arch, RopeCache rope, CausalAttention attention)
{
    public void Forward(LayerWeights w, SessionBuffers b, KvCache cache, int layer, int start, int n)
    {
        int e = c.EmbeddingLength, f = c.FeedForwardLength;
        Span<float> x = b.Residual.Slice(0, n * e), h = b.Normed.Slice(0, n * e);
        // W_o and W_down write into h: it is dead by then (read only by the matmuls before), which saves an [n, E] buffer.
        Span<float> projected = h;

        // Attention. K and V rows go straight into the cache at their positions.
        Normalization.RmsNormForward(x, w.AttentionNorm, h, b.Rstd.Slice(0, n), n, e, c.RmsEpsilon);
        Span<float> q = b.Query.Slice(0, n * c.QueryWidth);
        Span<float> k = cache.Keys(layer).Slice(start * c.KeyWidth, n * c.KeyWidth);
        Span<float> v = cache.Values(layer).Slice(start * c.ValueWidth, n * c.ValueWidth);
        DecodeMatVec.Multiply(h, n, w.Query, q, w.Key, k, w.Value, v);
        AddToRows(q, w.QueryBias, n);
        AddToRows(k, w.KeyBias, n);
        AddToRows(v, w.ValueBias, n);
        if (w.QueryNorm is not null) NormalizeHeads(q, w.QueryNorm, n * c.HeadCount, b);
        if (w.KeyNorm is not null) NormalizeHeads(k, w.KeyNorm, n * c.KvHeadCount, b);
        rope.Apply(q, n, c.HeadCount, arch.RopeStyle, b.RopeCos, b.RopeSin);
        rope.Apply(k, n, c.KvHeadCount, arch.RopeStyle, b.RopeCos, b.RopeSin);
        attention.Run(b.QueryData, cache, layer, b.AttentionData, start, n);
        DecodeMatVec.Multiply(b.Attention.Slice(0, n * c.AttentionOutputWidth), n, w.AttentionOutput, projected);
        TensorPrimitives.Add(x, projected, x);

        // SwiGLU feed-forward.
        Normalization.RmsNormForward(x, w.FeedForwardNorm, h, b.Rstd.Slice(0, n), n, e, c.RmsEpsilon);
        Span<float> gate = b.Gate.Slice(0, n * f), up = b.Up.Slice(0, n * f);
        DecodeMatVec.Multiply(h, n, w.Gate, gate, w.Up, up);
        Activations.Silu(gate, gate);
        TensorPrimitives.Multiply(gate, up, gate);
        DecodeMatVec.Multiply(gate, n, w.Down, projected);
        TensorPrimitives.Add(x, projected, x);
    }

    private static void AddToRows(Span<float> rows, float[]? bias, int n)
    {
        if (bias is null) return;
        for (int i = 0; i < n; i++)
        {
            Span<float> row = rows.Slice(i * bias.Length, bias.Length);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    // RMSNorm of each head (a row of KeyLength values) with one weight vector shared by all heads (Qwen 3).
    private void NormalizeHeads(Span<float> heads, float[] weight, int count, SessionBuffers b) =>
        Normalization.RmsNormForward(heads, weight, heads, b.Rstd.Slice(0, count), count, c.KeyLength, c.RmsEpsilon);
}
