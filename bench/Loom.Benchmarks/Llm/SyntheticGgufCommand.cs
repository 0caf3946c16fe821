using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Benchmarks.Llm;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- synth-gguf --out FILE [--type f16|f32] [--seed S]
/// [--vocab VOCAB.gguf] [--layers N]`: writes the speed-comparison model, a llama-architecture GGUF of ≈200M
/// parameters (n_embd 1024, 12 layers, 16 query / 4 key-value heads of 64, n_ff 2816, untied output, context 2048)
/// with seeded random weights and the real 32,000-token SentencePiece vocabulary, copied from the reference
/// vocabulary file. Every matrix row is a multiple of 256 long, so llama-quantize can make Q4_K_M of every tensor.
/// Weights follow the reference models' recipe (../shared/reference/gguf/tools/make_gguf.mjs): uniform, std
/// 1/sqrt(fan_in); norms 1 ± 0.2; token_embd std 4/sqrt(n_embd). Matrices are F16 (or F32), norms always F32.
/// </summary>
internal static class SyntheticGgufCommand
{
    public const string Verb = "synth-gguf";

    private const int Embedding = 1024;
    private const int HeadCount = 16;
    private const int KeyValueHeadCount = 4;
    private const int HeadDim = Embedding / HeadCount;
    private const int FeedForward = 2816;
    private const int DefaultLayers = 12;
    private const int ContextLength = 2048;
    private const string VocabRelativePath = "reference/gguf/vocab/vocab-llama-spm-32000.gguf";

    public static int Run(string[] args)
    {
        string? output = LlmArgs.Option(args, "--out");
        string type = LlmArgs.Option(args, "--type") ?? "f16";
        ulong seed = ulong.Parse(LlmArgs.Option(args, "--seed") ?? "2026");
        int layers = int.Parse(LlmArgs.Option(args, "--layers") ?? DefaultLayers.ToString());
        if (output is null || type is not ("f16" or "f32") || layers < 1)
        {
            Console.Error.WriteLine($"usage: {Verb} --out FILE [--type f16|f32] [--seed S] [--vocab VOCAB.gguf] [--layers N]");
            return 2;
        }
        string vocabPath = LlmArgs.Option(args, "--vocab") ?? FindSharedFile(VocabRelativePath);
        var matrixType = type == "f16" ? GgmlType.F16 : GgmlType.F32;

        using var vocab = GgufFile.Open(vocabPath);
        var writer = new GgufWriter();
        int vocabSize = vocab.GetArray<string>("tokenizer.ggml.tokens").Length;
        SetHyperParameters(writer, vocabSize, layers, matrixType);
        // The tokenizer exactly as the vocabulary file has it: tokens, scores, types, special ids, add_bos/add_eos.
        foreach (var (key, value) in vocab.Metadata)
            if (key.StartsWith("tokenizer.", StringComparison.Ordinal)) writer.Set(key, value);

        long parameters = 0;
        void Add(string name, long[] dims, double std, float mean = 0)
        {
            var tensorType = dims.Length == 1 ? GgmlType.F32 : matrixType;
            float[] values = RandomUniform(name, dims.Aggregate(1L, (a, b) => a * b), seed, std, mean);
            writer.AddTensor(name, tensorType, dims, Encode(values, tensorType));
            parameters += values.LongLength;
        }

        const double normStd = 0.2 / 1.7320508075688772; // uniform 1 ± 0.2
        Add("token_embd.weight", [Embedding, vocabSize], 4 / Math.Sqrt(Embedding));
        for (int i = 0; i < layers; i++)
        {
            string p = $"blk.{i}.";
            Add(p + "attn_norm.weight", [Embedding], normStd, 1);
            Add(p + "attn_q.weight", [Embedding, HeadDim * HeadCount], 1 / Math.Sqrt(Embedding));
            Add(p + "attn_k.weight", [Embedding, HeadDim * KeyValueHeadCount], 1 / Math.Sqrt(Embedding));
            Add(p + "attn_v.weight", [Embedding, HeadDim * KeyValueHeadCount], 1 / Math.Sqrt(Embedding));
            Add(p + "attn_output.weight", [HeadDim * HeadCount, Embedding], 1 / Math.Sqrt(HeadDim * HeadCount));
            Add(p + "ffn_norm.weight", [Embedding], normStd, 1);
            Add(p + "ffn_gate.weight", [Embedding, FeedForward], 1 / Math.Sqrt(Embedding));
            Add(p + "ffn_up.weight", [Embedding, FeedForward], 1 / Math.Sqrt(Embedding));
            Add(p + "ffn_down.weight", [FeedForward, Embedding], 1 / Math.Sqrt(FeedForward));
        }
        Add("output_norm.weight", [Embedding], normStd, 1);
        Add("output.weight", [Embedding, vocabSize], 1 / Math.Sqrt(Embedding));

        writer.Write(output);
        Console.WriteLine($"{output}: llama, {parameters:N0} parameters ({parameters / 1e6:F1}M), {layers} layers, " +
            $"n_embd {Embedding}, heads {HeadCount}/{KeyValueHeadCount}, n_ff {FeedForward}, vocab {vocabSize}, " +
            $"matrices {matrixType}, seed {seed}, {new FileInfo(output).Length:N0} bytes");
        return 0;
    }

    private static void SetHyperParameters(GgufWriter writer, int vocabSize, int layers, GgmlType matrixType)
    {
        writer.Set("general.architecture", GgufValue.String("llama"))
            .Set("general.name", GgufValue.String($"loom-synthetic-llama-e{Embedding}-l{layers}-h{HeadCount}-kv{KeyValueHeadCount}-ff{FeedForward}"))
            // llama.cpp's LLAMA_FTYPE: 0 all F32, 1 mostly F16.
            .Set("general.file_type", GgufValue.UInt32(matrixType == GgmlType.F16 ? 1u : 0u))
            .Set("llama.vocab_size", GgufValue.UInt32((uint)vocabSize))
            .Set("llama.context_length", GgufValue.UInt32(ContextLength))
            .Set("llama.embedding_length", GgufValue.UInt32(Embedding))
            .Set("llama.block_count", GgufValue.UInt32((uint)layers))
            .Set("llama.feed_forward_length", GgufValue.UInt32(FeedForward))
            .Set("llama.attention.head_count", GgufValue.UInt32(HeadCount))
            .Set("llama.attention.head_count_kv", GgufValue.UInt32(KeyValueHeadCount))
            .Set("llama.rope.dimension_count", GgufValue.UInt32(HeadDim))
            .Set("llama.rope.freq_base", GgufValue.Float32(10000f))
            .Set("llama.attention.layer_norm_rms_epsilon", GgufValue.Float32(1e-5f));
    }

    /// <summary>Uniform values with the given mean and standard deviation, a pure function of (seed, tensor name).</summary>
    private static float[] RandomUniform(string name, long count, ulong seed, double std, float mean)
    {
        var random = new LoomRandom(seed ^ Fnv1a(name));
        float halfWidth = (float)(std * Math.Sqrt(3));
        var values = new float[count];
        for (long i = 0; i < values.LongLength; i++) values[i] = mean + (2 * random.NextSingle() - 1) * halfWidth;
        return values;
    }

    private static byte[] Encode(float[] values, GgmlType type)
    {
        if (type == GgmlType.F32) return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var halves = new Half[values.Length];
        TensorPrimitives.ConvertToHalf(values, halves);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    // String.GetHashCode is randomised per process; the weights must not be.
    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>A file under ../shared beside the repository, found from the working directory upwards.</summary>
    private static string FindSharedFile(string relative)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (string shared in new[] { Path.Combine(dir.FullName, "shared"), Path.Combine(dir.FullName, "..", "shared") })
            {
                string candidate = Path.GetFullPath(Path.Combine(shared, relative));
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"{Verb}: ../shared/{relative} not found beside the repository; pass --vocab FILE");
    }
}
