using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Models.Transformer;

/// <summary>One tensor as the type rules see it: name, ggml dimensions (ne0 first) and current type.</summary>
public sealed record GgufTensorShape(string Name, IReadOnlyList<long> Dimensions, GgmlType Type);

/// <summary>The type a tensor is written in, and why it is not the default when it falls back.</summary>
public sealed record GgufTensorChoice(GgufTensorShape Tensor, GgmlType Target, string? Fallback = null);

/// <summary>
/// Which type each tensor gets, as llama-quantize decides without an importance matrix or overrides (llama.cpp's
/// tensor_allows_quantization / llama_tensor_get_type): 1-D tensors and norms stay as they are; the output matrix
/// (or the token embedding when the output is tied to it) gets Q6_K unless the format is Q8_0; Q4_K_M gives Q6_K to
/// attn_v and ffn_down in the layers use_more_bits picks (the first and last eighth and every third between).
/// </summary>
/// <remarks>
/// Loom differs from llama.cpp only where it lacks a quantizer: a Q4_K row that is not a multiple of 256 falls back
/// to Q4_0 (llama.cpp: Q5_0), and a block type whose row length is not a multiple of its block size falls back to F16
/// (llama.cpp throws for Q4_0/Q8_0). Fused attn_qkv under Q4_K_M (llama.cpp: Q5_K) is refused, as are the MoE and
/// 70B-model special cases, which need types Loom cannot quantize yet.
/// </remarks>
public static class GgufTensorTypeRules
{
    public const string OutputName = "output.weight";
    public const string TokenEmbeddingName = "token_embd.weight";

    /// <param name="tensors">Every tensor, in the order they are written (the layer counters advance in it).</param>
    /// <param name="layerCount">The model's block count (<c>{arch}.block_count</c>).</param>
    public static GgufTensorChoice[] Choose(IReadOnlyList<GgufTensorShape> tensors, GgufQuantization quantization, int layerCount)
    {
        bool hasOutput = tensors.Any(t => t.Name == OutputName);
        int attentionV = tensors.Count(t => IsAttentionV(t.Name));
        int iAttentionV = 0, iFfnDown = 0;
        var choices = new GgufTensorChoice[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (!AllowsQuantization(t))
            {
                choices[i] = new GgufTensorChoice(t, t.Type);
                continue;
            }
            var target = quantization.DefaultType;
            if (quantization.IsQuantized)
            {
                bool q4km = quantization == GgufQuantization.Q4_K_M;
                if (t.Name == OutputName || (!hasOutput && t.Name == TokenEmbeddingName))
                {
                    if (t.Dimensions[0] % GgmlTypeTraits.BlockSize(target) != 0) target = GgmlType.Q8_0;
                    else if (target != GgmlType.Q8_0) target = GgmlType.Q6_K;
                }
                else if (IsAttentionV(t.Name))
                {
                    if (q4km && t.Name.Contains("attn_qkv.weight", StringComparison.Ordinal))
                        throw NotSupported(t, "llama.cpp gives a fused attn_qkv Q5_K under Q4_K_M, and Loom has no Q5_K quantizer");
                    if (q4km && UseMoreBits(iAttentionV, attentionV)) target = GgmlType.Q6_K;
                    iAttentionV++;
                }
                else if (t.Name.Contains("ffn_down", StringComparison.Ordinal))
                {
                    if (q4km && UseMoreBits(iFfnDown, layerCount)) target = GgmlType.Q6_K;
                    iFfnDown++;
                }
                if (t.Dimensions.Count > 2 && t.Dimensions[2] > 1)
                    throw NotSupported(t, "expert (3-D) tensors follow MoE rules Loom does not implement");
                choices[i] = Fallback(t, target);
                continue;
            }
            choices[i] = new GgufTensorChoice(t, target);
        }
        return choices;
    }

    /// <summary>llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between.</summary>
    public static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    /// <summary>2-D weights (not norms, expert gates, position embeddings or token types) may change type.</summary>
    public static bool AllowsQuantization(GgufTensorShape t)
    {
        string name = t.Name;
        return t.Dimensions.Count >= 2
            && name.EndsWith("weight", StringComparison.Ordinal)
            && !name.Contains("_norm.weight", StringComparison.Ordinal)
            && !name.Contains("ffn_gate_inp.weight", StringComparison.Ordinal)
            && name != "position_embd.weight"
            && name != "token_types.weight"
            && !name.Contains("ssm_conv1d", StringComparison.Ordinal)
            && !name.Contains("attn_rel_b.weight", StringComparison.Ordinal);
    }

    private static bool IsAttentionV(string name) =>
        name.Contains("attn_v.weight", StringComparison.Ordinal)
        || name.Contains("attn_qkv.weight", StringComparison.Ordinal)
        || name.Contains("attn_kv_b.weight", StringComparison.Ordinal);

    private static GgufTensorChoice Fallback(GgufTensorShape t, GgmlType target)
    {
        long columns = t.Dimensions[0];
        if (columns % GgmlTypeTraits.BlockSize(target) == 0) return new GgufTensorChoice(t, target);
        var fallback = target switch
        {
            GgmlType.Q4_K => GgmlType.Q4_0,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => GgmlType.F16,
        };
        if (columns % GgmlTypeTraits.BlockSize(fallback) != 0) fallback = GgmlType.F16;
        return new GgufTensorChoice(t, fallback,
            $"{t.Name}: rows of {columns} are not a multiple of {target}'s {GgmlTypeTraits.BlockSize(target)}; written as {fallback}");
    }

    private static LoomException NotSupported(GgufTensorShape t, string why) =>
        new(LoomErrorCode.NotSupported, $"quantize: tensor '{t.Name}': {why}");
}
