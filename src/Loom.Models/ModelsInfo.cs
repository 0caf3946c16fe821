namespace Loom.Models;

/// <summary>Loom.Models: one folder per generative family (Transformer/, Vae/, Gan/, Diffusion/, Flows/, …).</summary>
internal static class ModelsInfo
{
}
