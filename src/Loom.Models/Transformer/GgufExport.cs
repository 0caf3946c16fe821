using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Models.Transformer;

/// <summary>What an export wrote: the file, the type of every tensor, and warnings worth showing.</summary>
public sealed record GgufExportResult(string Output, GgufQuantizeResult Tensors, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a Loom language model (a "transformer-lm" directory) as a GGUF file llama.cpp and Loom's GGUF engine run:
/// Llama-style configs become architecture <c>llama</c> (RMSNorm, SwiGLU, grouped-query attention, RoPE), the
/// tokenizer becomes tokenizer.ggml.* (<see cref="GgufTokenizerExport"/>), and the weights are written in the
/// requested type exactly as <c>loom quantize</c> would write the F32 export (<see cref="GgufQuantizer"/>).
/// </summary>
/// <remarks>
/// Loom rotates q and k with the NeoX pairing (element i with i + D/2, as Hugging Face Llama); llama.cpp's llama
/// architecture pairs adjacent elements (2i, 2i + 1) at the same frequencies. Permuting the rows of q_proj and
/// k_proj inside each head (new row 2i + j = old row j·D/2 + i) makes the two agree, as convert_hf_to_gguf does;
/// attention scores are dot products of q and k, so they are unchanged. GPT-2-style configs are refused: llama.cpp's
/// gpt2 architecture fuses q/k/v and uses tanh-approximated GELU, and Loom's GGUF engine does not run it.
/// </remarks>
public static class GgufExport
{
    public const string Architecture = "llama";

    /// <summary>Loads <paramref name="modelDirectory"/> and writes it to <paramref name="output"/> (atomically).</summary>
    public static GgufExportResult Export(string modelDirectory, string output, GgufQuantization type,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var lm = TransformerLmDirectory.Load(modelDirectory);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));
        var (writer, result) = Build(lm, type, name, progress, cancellation);
        writer.Write(output);
        return result with { Output = output };
    }

    /// <summary>The GGUF writer of <paramref name="lm"/> in <paramref name="type"/>, named <paramref name="name"/>.</summary>
    public static (GgufWriter Writer, GgufExportResult Result) Build(LanguageModel lm, GgufQuantization type, string name,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var config = lm.Model.Config;
        if (config.Style != TransformerStyle.Llama)
            throw new LoomException(LoomErrorCode.NotSupported,
                $"export gguf: only Llama-style models can be exported (llama.cpp's gpt2 architecture fuses q/k/v and uses tanh GELU); this model is {config.Style}");
        if (config.Bias)
            throw new LoomException(LoomErrorCode.NotSupported, "export gguf: Llama-style models with biases have no llama.cpp form; export one trained with bias: false");

        var vocabulary = GgufTokenizerExport.Describe(lm);
        int vocab = config.VocabSize + vocabulary.AppendedTokens;
        var metadata = new List<KeyValuePair<string, GgufValue>>
        {
            new("general.architecture", GgufValue.String(Architecture)),
            new("general.name", GgufValue.String(name)),
            new($"{Architecture}.vocab_size", GgufValue.UInt32((uint)vocab)),
            new($"{Architecture}.context_length", GgufValue.UInt32((uint)config.ContextLength)),
            new($"{Architecture}.embedding_length", GgufValue.UInt32((uint)config.ModelDim)),
            new($"{Architecture}.block_count", GgufValue.UInt32((uint)config.Layers)),
            new($"{Architecture}.feed_forward_length", GgufValue.UInt32((uint)config.ResolvedFfnHiddenDim)),
            new($"{Architecture}.attention.head_count", GgufValue.UInt32((uint)config.Heads)),
            new($"{Architecture}.attention.head_count_kv", GgufValue.UInt32((uint)config.KvHeads)),
            new($"{Architecture}.rope.dimension_count", GgufValue.UInt32((uint)config.HeadDim)),
            new($"{Architecture}.rope.freq_base", GgufValue.Float32(config.RopeTheta)),
            new($"{Architecture}.attention.layer_norm_rms_epsilon", GgufValue.Float32(config.NormEps)),
        };
        metadata.AddRange(vocabulary.Entries);

        var tensors = Tensors(lm.Model, vocabulary.AppendedTokens);
        var (writer, quantized) = GgufQuantizer.Build(metadata, tensors, type, config.Layers, progress, cancellation);
        return (writer, new GgufExportResult("", quantized, [.. vocabulary.Warnings, .. quantized.Warnings]));
    }

    /// <summary>Every weight under its GGUF name as float32, q/k rows permuted for llama.cpp's RoPE pairing, the
    /// embedding (and output) given <paramref name="appendedRows"/> zero rows for appended tokens.</summary>
    private static List<GgufSourceTensor> Tensors(TransformerLm model, int appendedRows)
    {
        var config = model.Config;
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var tensors = new List<GgufSourceTensor>();
        var used = new HashSet<string>();
        void Add(string ggufName, string loomName, Func<float[], float[]>? transform = null)
        {
            if (!parameters.TryGetValue(loomName, out var p))
                throw LoomException.Argument($"export gguf: the model has no parameter '{loomName}'");
            used.Add(loomName);
            float[] values = p.Value.ToArray();
            if (transform is not null) values = transform(values);
            int[] shape = p.Shape.ToArray();
            long[] dims = shape.Length == 1 ? [shape[0]] : [shape[1], values.Length / shape[1]];
            byte[] bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            tensors.Add(new GgufSourceTensor(new GgufTensorShape(ggufName, dims, GgmlType.F32), () => bytes));
        }
        float[] Pad(float[] rows) => appendedRows == 0 ? rows : [.. rows, .. new float[appendedRows * config.ModelDim]];

        Add("token_embd.weight", "model.embed_tokens.weight", Pad);
        Add("output_norm.weight", "model.norm.weight");
        if (!config.TiedEmbeddings) Add("output.weight", "lm_head.weight", Pad);
        for (int i = 0; i < config.Layers; i++)
        {
            string loom = $"model.layers.{i}.", blk = $"blk.{i}.";
            Add(blk + "attn_norm.weight", loom + "input_layernorm.weight");
            Add(blk + "attn_q.weight", loom + "self_attn.q_proj.weight", w => PermuteForAdjacentRope(w, config.Heads, config.HeadDim));
            Add(blk + "attn_k.weight", loom + "self_attn.k_proj.weight", w => PermuteForAdjacentRope(w, config.KvHeads, config.HeadDim));
            Add(blk + "attn_v.weight", loom + "self_attn.v_proj.weight");
            Add(blk + "attn_output.weight", loom + "self_attn.o_proj.weight");
            Add(blk + "ffn_norm.weight", loom + "post_attention_layernorm.weight");
            Add(blk + "ffn_gate.weight", loom + "mlp.gate_proj.weight");
            Add(blk + "ffn_up.weight", loom + "mlp.up_proj.weight");
            Add(blk + "ffn_down.weight", loom + "mlp.down_proj.weight");
        }
        var left = parameters.Keys.Where(k => !used.Contains(k)).ToList();
        if (left.Count > 0)
            throw new LoomException(LoomErrorCode.NotSupported, $"export gguf: no GGUF tensor for parameter(s) {string.Join(", ", left)}");
        return tensors;
    }

    /// <summary>
    /// Reorders the rows of a [heads·headDim, cols] projection so that NeoX pairs (i, i + D/2) of each head become
    /// adjacent pairs (2i, 2i + 1): new row 2i + j takes old row j·D/2 + i.
    /// </summary>
    public static float[] PermuteForAdjacentRope(float[] weight, int heads, int headDim)
    {
        int cols = weight.Length / (heads * headDim), half = headDim / 2;
        var result = new float[weight.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                {
                    int from = h * headDim + j * half + i, to = h * headDim + 2 * i + j;
                    Array.Copy(weight, (long)from * cols, result, (long)to * cols, cols);
                }
        return result;
    }
}
