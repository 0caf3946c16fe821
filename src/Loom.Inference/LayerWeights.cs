using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference.Architectures;

namespace Loom.Inference;

/// <summary>One decoder block's weights: matrices stay in the memory map; small vectors (norms, biases) are copied.</summary>
public sealed class LayerWeights
{
    public required float[] AttentionNorm { get; init; }   // [E]
    public required WeightMatrix Query { get; init; }      // [Hq·Dk, E]
    public required WeightMatrix Key { get; init; }        // [Hkv·Dk, E]
    public required WeightMatrix Value { get; init; }      // [Hkv·Dv, E]
    public float[]? QueryBias { get; init; }               // [Hq·Dk]
    public float[]? KeyBias { get; init; }                 // [Hkv·Dk]
    public float[]? ValueBias { get; init; }               // [Hkv·Dv]
    public float[]? QueryNorm { get; init; }               // [Dk], shared by every query head
    public float[]? KeyNorm { get; init; }                 // [Dk]
    public required WeightMatrix AttentionOutput { get; init; } // [E, Hq·Dv]
    public required float[] FeedForwardNorm { get; init; } // [E]
    public required WeightMatrix Gate { get; init; }       // [F, E]
    public required WeightMatrix Up { get; init; }         // [F, E]
    public required WeightMatrix Down { get; init; }       // [E, F]

    public static LayerWeights Load(GgufFile file, LlmArchitecture arch, LlmConfig c, int i)
    {
        int e = c.EmbeddingLength;
        float[]? qb = TensorChecks.OptionalVector(file, GgufNames.QueryBias(i), c.QueryWidth);
        float[]? kb = TensorChecks.OptionalVector(file, GgufNames.KeyBias(i), c.KeyWidth);
        float[]? vb = TensorChecks.OptionalVector(file, GgufNames.ValueBias(i), c.ValueWidth);
        if (arch.RequiresQkvBias && (qb is null || kb is null || vb is null))
        {
            string missing = qb is null ? GgufNames.QueryBias(i) : kb is null ? GgufNames.KeyBias(i) : GgufNames.ValueBias(i);
            throw new LoomException(LoomErrorCode.InvalidFormat,
                $"{Path.GetFileName(file.Path)}: tensor '{missing}' is missing ({arch.Name} needs Q, K and V biases)");
        }
        return new LayerWeights
        {
            AttentionNorm = TensorChecks.Vector(file, GgufNames.AttentionNorm(i), e),
            Query = WeightMatrix.Load(file, GgufNames.Query(i), c.QueryWidth, e),
            Key = WeightMatrix.Load(file, GgufNames.Key(i), c.KeyWidth, e),
            Value = WeightMatrix.Load(file, GgufNames.Value(i), c.ValueWidth, e),
            QueryBias = qb,
            KeyBias = kb,
            ValueBias = vb,
            QueryNorm = arch.HasQkNorm ? TensorChecks.Vector(file, GgufNames.QueryNorm(i), c.KeyLength) : null,
            KeyNorm = arch.HasQkNorm ? TensorChecks.Vector(file, GgufNames.KeyNorm(i), c.KeyLength) : null,
            AttentionOutput = WeightMatrix.Load(file, GgufNames.AttentionOutput(i), e, c.AttentionOutputWidth),
            FeedForwardNorm = TensorChecks.Vector(file, GgufNames.FeedForwardNorm(i), e),
            Gate = WeightMatrix.Load(file, GgufNames.FeedForwardGate(i), c.FeedForwardLength, e),
            Up = WeightMatrix.Load(file, GgufNames.FeedForwardUp(i), c.FeedForwardLength, e),
            Down = WeightMatrix.Load(file, GgufNames.FeedForwardDown(i), e, c.FeedForwardLength),
        };
    }
}
