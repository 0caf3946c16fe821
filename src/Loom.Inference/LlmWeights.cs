using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference.Architectures;

namespace Loom.Inference;

/// <summary>Every weight of a model, checked against its config when loaded.</summary>
public sealed class LlmWeights
{
    public required WeightMatrix TokenEmbedding { get; init; } // [V, E]
    public required LayerWeights[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }          // [E]
    /// <summary>The output projection [V, E]; the token embedding itself when the file ties them.</summary>
    public required WeightMatrix Output { get; init; }
    /// <summary>Divisors of the RoPE angles per frequency (<c>rope_freqs.weight</c>), or null.</summary>
    public float[]? RopeFrequencies { get; init; }
    public bool TiedOutput => ReferenceEquals(Output, TokenEmbedding);

    /// <summary>Loads and checks every tensor; a file with tensors the architecture does not use is refused (as
    /// llama.cpp refuses it), since ignoring, say, an extra bias would give wrong logits silently.</summary>
    public static LlmWeights Load(GgufFile file, LlmArchitecture arch, LlmConfig c)
    {
        var used = new HashSet<string>(StringComparer.Ordinal) { GgufNames.TokenEmbedding, GgufNames.OutputNorm };
        var embedding = WeightMatrix.Load(file, GgufNames.TokenEmbedding, c.VocabSize, c.EmbeddingLength);
        var layers = new LayerWeights[c.LayerCount];
        for (int i = 0; i < layers.Length; i++) layers[i] = LayerWeights.Load(file, arch, c, i, used);
        var weights = new LlmWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = TensorChecks.Vector(file, GgufNames.OutputNorm, c.EmbeddingLength),
            Output = file.TryGetTensor(GgufNames.Output, out _)
                ? WeightMatrix.Load(file, GgufNames.Output, c.VocabSize, c.EmbeddingLength)
                : embedding,
            RopeFrequencies = TensorChecks.OptionalVector(file, GgufNames.RopeFrequencies, c.RopeDimensionCount / 2),
        };
        used.Add(GgufNames.Output);
        used.Add(GgufNames.RopeFrequencies);
        var unused = file.Tensors.Select(t => t.Name).Where(n => !used.Contains(n)).ToList();
        if (unused.Count > 0)
        {
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{Path.GetFileName(file.Path)}: {unused.Count} tensor(s) that Loom's {arch.Name} does not use, e.g. '{unused[0]}' " +
                $"(expected {used.Count(n => file.TryGetTensor(n, out _))} tensors for {c.LayerCount} layers, found {file.Tensors.Count})");
        }
        return weights;
    }
}
