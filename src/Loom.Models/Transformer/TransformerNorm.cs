using Loom.Nn;

namespace Loom.Models.Transformer;

/// <summary>The style's normalization: RMSNorm (gain only) for Llama, LayerNorm (gain and bias) for GPT-2.</summary>
internal static class TransformerNorm
{
    public static Module Create(TransformerConfig config) => config.Style == TransformerStyle.Llama
        ? new RmsNorm(config.ModelDim, config.NormEps)
        : new LayerNorm(config.ModelDim, config.NormEps);
}
