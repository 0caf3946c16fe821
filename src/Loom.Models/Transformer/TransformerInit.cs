using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// GPT-2 / nanoGPT initialization: every matrix (linear weights, embeddings) N(0, std); the projections that write
/// into the residual stream (o_proj, down_proj) N(0, std/√(2·layers)) so the stream's variance does not grow with
/// depth; biases 0; norm gains 1.
/// </summary>
internal static class TransformerInit
{
    public static void Apply(TransformerLm model, TransformerConfig config, LoomRandom rng)
    {
        float residualStd = config.InitStd / MathF.Sqrt(2f * config.Layers);
        foreach (var (name, parameter) in model.NamedParameters())
        {
            if (parameter.Shape.Length == 2)
            {
                bool residual = name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal);
                Init.Normal(parameter.Value, rng, 0f, residual ? residualStd : config.InitStd);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Init.Zeros(parameter.Value);
            }
            // Rank-1 weights are norm gains: they keep their 1s.
        }
    }
}
