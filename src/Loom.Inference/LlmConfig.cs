using Loom.Core;
using Loom.Formats.Gguf;

namespace Loom.Inference;

/// <summary>
/// A decoder-only LLM's hyperparameters, read from the GGUF file's <c>{arch}.*</c> metadata (<see cref="GgufNames"/>).
/// </summary>
public sealed record LlmConfig
{
    /// <summary><c>general.architecture</c>, e.g. "llama".</summary>
    public required string Architecture { get; init; }
    /// <summary>Tokens one sequence may hold: the user's override, else <see cref="TrainedContextLength"/>.</summary>
    public required int ContextLength { get; init; }
    /// <summary><c>{arch}.context_length</c>: what the model was trained for.</summary>
    public required int TrainedContextLength { get; init; }
    /// <summary>Width of the residual stream (n_embd).</summary>
    public required int EmbeddingLength { get; init; }
    public required int LayerCount { get; init; }
    /// <summary>Hidden width of the SwiGLU feed-forward (n_ff).</summary>
    public required int FeedForwardLength { get; init; }
    public required int HeadCount { get; init; }
    /// <summary>Key/value heads (grouped-query attention: each serves HeadCount / KvHeadCount query heads).</summary>
    public required int KvHeadCount { get; init; }
    /// <summary>Per-head width of queries and keys (n_embd / heads unless <c>attention.key_length</c> says otherwise).</summary>
    public required int KeyLength { get; init; }
    /// <summary>Per-head width of values.</summary>
    public required int ValueLength { get; init; }
    public required float RmsEpsilon { get; init; }
    public required float RopeFreqBase { get; init; }
    /// <summary>Leading elements of each query/key head that RoPE rotates (≤ KeyLength).</summary>
    public required int RopeDimensionCount { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>Linear RoPE position scaling: angles are multiplied by this (1 / <c>rope.scaling.factor</c>; 1 = none).</summary>
    public float RopeFreqScale { get; init; } = 1f;

    /// <summary>Query heads × key length: the width of Q and of the attention output.</summary>
    public int QueryWidth => HeadCount * KeyLength;
    /// <summary>KV heads × key length: the width of K (and of one cache row).</summary>
    public int KeyWidth => KvHeadCount * KeyLength;
    /// <summary>KV heads × value length: the width of V.</summary>
    public int ValueWidth => KvHeadCount * ValueLength;
    public int AttentionOutputWidth => HeadCount * ValueLength;

    /// <summary>Reads the hyperparameters of <paramref name="file"/> for architecture <paramref name="arch"/>.</summary>
    /// <param name="contextOverride">Context length to use instead of the trained one (≥ 1).</param>
    public static LlmConfig FromGguf(GgufFile file, string arch, int? contextOverride = null)
    {
        var reader = new MetadataReader(file);
        if (reader.Int(GgufNames.ExpertCount(arch), 0) is > 0 and var experts)
        {
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{Path.GetFileName(file.Path)}: mixture-of-experts models are not supported ('{GgufNames.ExpertCount(arch)}' is {experts}; Loom runs dense models)");
        }
        int embd = reader.Int(GgufNames.EmbeddingLength(arch));
        int heads = reader.Int(GgufNames.HeadCount(arch));
        if (heads <= 0 || embd <= 0) throw reader.Invalid(GgufNames.HeadCount(arch), "positive head count and embedding length", $"{heads} and {embd}");
        int kvHeads = reader.Int(GgufNames.HeadCountKv(arch), heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw reader.Invalid(GgufNames.HeadCountKv(arch), $"a divisor of the head count {heads}", kvHeads.ToString());
        int keyLength = reader.Int(GgufNames.KeyLength(arch), embd / heads);
        int valueLength = reader.Int(GgufNames.ValueLength(arch), embd / heads);
        int ropeDims = reader.Int(GgufNames.RopeDimensionCount(arch), keyLength);
        if (ropeDims <= 0 || ropeDims > keyLength || ropeDims % 2 != 0)
            throw reader.Invalid(GgufNames.RopeDimensionCount(arch), $"an even count in 2..{keyLength} (the key length)", ropeDims.ToString());
        int trained = reader.Int(GgufNames.ContextLength(arch));
        if (contextOverride is { } c && c < 1)
            throw LoomException.Argument($"context length must be at least 1, found {c}");
        int vocab = file.TryGetArrayLength<string>(GgufNames.TokenizerTokens, out int tokens)
            ? tokens
            : reader.Int(GgufNames.VocabSize(arch), TokenEmbeddingRows(file));
        return new LlmConfig
        {
            Architecture = arch,
            ContextLength = contextOverride ?? trained,
            TrainedContextLength = trained,
            EmbeddingLength = embd,
            LayerCount = reader.Int(GgufNames.BlockCount(arch)),
            FeedForwardLength = reader.Int(GgufNames.FeedForwardLength(arch)),
            HeadCount = heads,
            KvHeadCount = kvHeads,
            KeyLength = keyLength,
            ValueLength = valueLength,
            RmsEpsilon = reader.Float(GgufNames.RmsEpsilon(arch)),
            RopeFreqBase = reader.Float(GgufNames.RopeFreqBase(arch), 10000f),
            RopeDimensionCount = ropeDims,
            VocabSize = vocab,
            RopeFreqScale = RopeScale(file, reader, arch),
        };
    }

    // llama.cpp reads the factor whatever the type says; linear scaling is the factor alone, YaRN and the others
    // need more than Loom implements, so they fail rather than run with wrong angles.
    private static float RopeScale(GgufFile file, MetadataReader reader, string arch)
    {
        if (file.TryGetString(GgufNames.RopeScalingType(arch), out var type) && type is not ("none" or "linear"))
        {
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{Path.GetFileName(file.Path)}: metadata '{GgufNames.RopeScalingType(arch)}' is '{type}'; supported: none, linear");
        }
        float factor = reader.Float(GgufNames.RopeScalingFactor(arch), reader.Float(GgufNames.RopeScaleLinear(arch), 0f));
        return factor == 0 ? 1f : 1f / factor;
    }

    private static int TokenEmbeddingRows(GgufFile file) =>
        file.TryGetTensor(GgufNames.TokenEmbedding, out var t) && t.Dimensions.Count == 2 ? (int)t.Dimensions[1] : 0;

    /// <summary>Integer and float metadata of any GGUF numeric type, with errors naming the key.</summary>
    private sealed class MetadataReader(GgufFile file)
    {
        private string FileName => Path.GetFileName(file.Path);

        public int Int(string key, int? fallback = null)
        {
            if (!file.ContainsKey(key))
                return fallback ?? throw new LoomException(LoomErrorCode.InvalidFormat, $"{FileName}: metadata key '{key}' is missing");
            object value = file.GetValue(key).Value;
            long v = value switch
            {
                byte b => b, sbyte b => b, ushort s => s, short s => s, uint u => u, int i => i,
                ulong u => u > int.MaxValue ? -1 : (long)u, long l => l,
                _ => throw Invalid(key, "an integer", $"{file.GetValue(key).Type}"),
            };
            if (v < 0 || v > int.MaxValue) throw Invalid(key, "a non-negative 32-bit integer", v.ToString());
            return (int)v;
        }

        public float Float(string key, float? fallback = null)
        {
            if (!file.ContainsKey(key))
                return fallback ?? throw new LoomException(LoomErrorCode.InvalidFormat, $"{FileName}: metadata key '{key}' is missing");
            object value = file.GetValue(key).Value;
            float v = value switch
            {
                float f => f, double d => (float)d,
                _ => throw Invalid(key, "a float", $"{file.GetValue(key).Type}"),
            };
            if (!float.IsFinite(v) || v < 0) throw Invalid(key, "a finite non-negative float", v.ToString("R"));
            return v;
        }

        public LoomException Invalid(string key, string expected, string found) =>
            new(LoomErrorCode.InvalidFormat, $"{FileName}: metadata '{key}': expected {expected}, found {found}");
    }
}
