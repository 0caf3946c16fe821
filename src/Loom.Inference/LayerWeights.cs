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

    /// <summary>Loads block <paramref name="i"/>, adding the name of every tensor it reads to <paramref name="used"/>.</summary>
    public static LayerWeights Load(GgufFile file, LlmArchitecture arch, LlmConfig c, int i, ISet<string> used)
    {
        int e = c.EmbeddingLength;
        WeightMatrix Matrix(string name, int rows, int columns)
        {
            used.Add(name);
            return WeightMatrix.Load(file, name, rows, columns);
        }
        float[] Vector(string name, int length)
        {
            used.Add(name);
            return TensorChecks.Vector(file, name, length);
        }
        float[]? Optional(string name, int length) => file.TryGetTensor(name, out _) ? Vector(name, length) : null;

        float[]? qb = Optional(GgufNames.QueryBias(i), c.QueryWidth);
        float[]? kb = Optional(GgufNames.KeyBias(i), c.KeyWidth);
        float[]? vb = Optional(GgufNames.ValueBias(i), c.ValueWidth);
        if (arch.RequiresQkvBias && (qb is null || kb is null || vb is null))
        {
            string missing = qb is null ? GgufNames.QueryBias(i) : kb is null ? GgufNames.KeyBias(i) : GgufNames.ValueBias(i);
            throw new LoomException(LoomErrorCode.InvalidFormat,
                $"{Path.GetFileName(file.Path)}: tensor '{missing}' is missing ({arch.Name} needs Q, K and V biases)");
        }
        return new LayerWeights
        {
            AttentionNorm = Vector(GgufNames.AttentionNorm(i), e),
            Query = Matrix(GgufNames.Query(i), c.QueryWidth, e),
            Key = Matrix(GgufNames.Key(i), c.KeyWidth, e),
            Value = Matrix(GgufNames.Value(i), c.ValueWidth, e),
            QueryBias = qb,
            KeyBias = kb,
            ValueBias = vb,
            QueryNorm = arch.HasQkNorm ? Vector(GgufNames.QueryNorm(i), c.KeyLength) : null,
            KeyNorm = arch.HasQkNorm ? Vector(GgufNames.KeyNorm(i), c.KeyLength) : null,
            AttentionOutput = Matrix(GgufNames.AttentionOutput(i), e, c.AttentionOutputWidth),
            FeedForwardNorm = Vector(GgufNames.FeedForwardNorm(i), e),
            Gate = Matrix(GgufNames.FeedForwardGate(i), c.FeedForwardLength, e),
            Up = Matrix(GgufNames.FeedForwardUp(i), c.FeedForwardLength, e),
            Down = Matrix(GgufNames.FeedForwardDown(i), e, c.FeedForwardLength),
        };
    }
}
