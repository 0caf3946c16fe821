using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Models.Transformer;

/// <summary>
/// Everything that fixes the shape of a <see cref="TransformerLm"/>. Saved as the "config" of a model directory's
/// loom.json and as the preset files under configs/transformer (camelCase JSON, see <see cref="TransformerConfigJson"/>).
/// The defaults describe a small Llama-style model that trains in minutes on a CPU.
/// </summary>
public sealed record TransformerConfig
{
    /// <summary>Llama (RMSNorm, RoPE, SwiGLU, GQA) is the modern default; Gpt2 is kept as the classic reference.</summary>
    public TransformerStyle Style { get; init; } = TransformerStyle.Llama;

    /// <summary>Rows of the embedding and columns of the logits; set from the tokenizer (256 fits raw bytes).</summary>
    public int VocabSize { get; init; } = 256;

    /// <summary>Longest sequence the model attends over (and the KV cache's size); attention cost grows with its square.</summary>
    public int ContextLength { get; init; } = 256;

    /// <summary>Number of decoder blocks: depth buys quality at a linear cost in time and parameters.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Query heads; ModelDim / Heads is the head size (keep it ≥ 16 so each head can represent something).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads (grouped-query attention): fewer shrink the KV cache; equal to Heads is plain multi-head.</summary>
    public int KvHeads { get; init; } = 4;

    /// <summary>Width of the residual stream; parameters grow with its square.</summary>
    public int ModelDim { get; init; } = 128;

    /// <summary>Hidden width of the MLP; 0 picks the style's default (SwiGLU ≈ 8/3·d rounded up to 16, GELU 4·d).</summary>
    public int FfnHiddenDim { get; init; }

    /// <summary>RoPE frequency base (Llama style only); 10000 is the original, larger bases suit longer contexts.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Epsilon inside the norms; it only guards against division by zero.</summary>
    public float NormEps { get; init; } = 1e-5f;

    /// <summary>Dropout on embeddings and residual branches while training; 0 for big data, ~0.1–0.2 for small data sets.</summary>
    public float Dropout { get; init; }

    /// <summary>
    /// Dropout on the attention weights while training (nanoGPT's attn_dropout): a query loses some of the positions it
    /// attends to, a regularizer of its own beside <see cref="Dropout"/>. 0 (the default) keeps the fused attention kernel;
    /// above 0 training forms the score matrix, which suits the short contexts small data sets have.
    /// </summary>
    public float AttentionDropout { get; init; }

    /// <summary>True when training draws dropout masks (residual, embedding or attention).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool UsesDropout => Dropout > 0 || AttentionDropout > 0;

    /// <summary>Share the token embedding with the output layer: fewer parameters, and it usually helps small models.</summary>
    public bool TiedEmbeddings { get; init; } = true;

    /// <summary>Biases in the linear layers and norms (GPT-2 has them, Llama does not).</summary>
    public bool Bias { get; init; }

    /// <summary>Std of the normal initialization (GPT-2's 0.02); residual projections get 0.02/√(2·Layers).</summary>
    public float InitStd { get; init; } = 0.02f;

    /// <summary>Size of one attention head.</summary>
    [JsonIgnore] public int HeadDim => Heads > 0 ? ModelDim / Heads : 0;

    /// <summary>The MLP width in use: <see cref="FfnHiddenDim"/>, or the style's default when it is 0.</summary>
    [JsonIgnore]
    public int ResolvedFfnHiddenDim => FfnHiddenDim > 0 ? FfnHiddenDim : DefaultFfnHiddenDim(Style, ModelDim);

    /// <summary>SwiGLU has three matrices instead of two, so 8/3·d (rounded up to 16) keeps the MLP at ≈ 8·d² parameters like GELU's 4·d.</summary>
    public static int DefaultFfnHiddenDim(TransformerStyle style, int modelDim) =>
        style == TransformerStyle.Gpt2 ? 4 * modelDim : (8 * modelDim / 3 + 15) / 16 * 16;

    /// <summary>Trainable scalars of a model built from this config (computed from the shapes, not by building it).</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long d = ModelDim, kv = (long)KvHeads * HeadDim, h = ResolvedFfnHiddenDim, b = Bias ? 1 : 0;
            long attention = d * d + 2 * d * kv + d * d + b * (d + 2 * kv + d);
            long mlp = (Style == TransformerStyle.Llama ? 3 : 2) * d * h + b * (h * (Style == TransformerStyle.Llama ? 2 : 1) + d);
            long norm = d * (Style == TransformerStyle.Gpt2 ? 2 : 1);
            long positions = Style == TransformerStyle.Gpt2 ? (long)ContextLength * d : 0;
            long head = TiedEmbeddings ? 0 : VocabSize * d; // lm_head has no bias in either style
            return VocabSize * d + positions + Layers * (attention + mlp + 2 * norm) + norm + head;
        }
    }

    /// <summary>Throws a LoomException naming the first field that cannot build a model, with its value.</summary>
    public TransformerConfig Validate()
    {
        Positive(VocabSize, nameof(VocabSize));
        Positive(ContextLength, nameof(ContextLength));
        Positive(Layers, nameof(Layers));
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Positive(ModelDim, nameof(ModelDim));
        if (!Enum.IsDefined(Style)) throw Bad(nameof(Style), $"must be llama or gpt2, found {(int)Style}");
        if (ModelDim % Heads != 0) throw Bad(nameof(ModelDim), $"must be a multiple of heads ({Heads}), found {ModelDim}");
        if (Heads % KvHeads != 0) throw Bad(nameof(KvHeads), $"must divide heads ({Heads}), found {KvHeads}");
        if (FfnHiddenDim < 0) throw Bad(nameof(FfnHiddenDim), $"must be positive (or 0 for the default), found {FfnHiddenDim}");
        if (Style == TransformerStyle.Llama && HeadDim % 2 != 0)
            throw Bad(nameof(ModelDim), $"modelDim / heads must be even for rotary positions, found {ModelDim} / {Heads} = {HeadDim}");
        if (!(RopeTheta > 0) || float.IsInfinity(RopeTheta)) throw Bad(nameof(RopeTheta), $"must be positive and finite, found {RopeTheta}");
        if (!(NormEps > 0) || float.IsInfinity(NormEps)) throw Bad(nameof(NormEps), $"must be positive and finite, found {NormEps}");
        if (!(Dropout >= 0 && Dropout < 1)) throw Bad(nameof(Dropout), $"must be in [0, 1), found {Dropout}");
        if (!(AttentionDropout >= 0 && AttentionDropout < 1)) throw Bad(nameof(AttentionDropout), $"must be in [0, 1), found {AttentionDropout}");
        if (!(InitStd >= 0) || float.IsInfinity(InitStd)) throw Bad(nameof(InitStd), $"must be non-negative and finite, found {InitStd}");
        return this;
    }

    private static void Positive(int value, string field)
    {
        if (value < 1) throw Bad(field, $"must be positive, found {value}");
    }

    private static LoomException Bad(string field, string detail) =>
        LoomException.Argument($"transformer config: {TransformerConfigJson.FieldName(field)} {detail}");
}
