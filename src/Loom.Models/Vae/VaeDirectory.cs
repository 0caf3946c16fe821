using Loom.Core;
using Loom.Models.Storage;

namespace Loom.Models.Vae;

/// <summary>A VAE model directory: loom.json (family "vae", the config) and model.safetensors, loom.json written last.</summary>
public static class VaeDirectory
{
    public static void Save(string directory, VaeNetwork network, Provenance? provenance = null, TrainingRecord? training = null) =>
        ImageModelFiles.Save(directory, VaeFamily.FamilyName, network, network.Config, provenance, training);

    public static VaeModel Load(string directory)
    {
        var (config, weights) = ImageModelFiles.Read<VaeConfig>(directory, VaeFamily.FamilyName, c => c.Validate());
        // The initialization is overwritten by the file; a fixed seed just keeps construction deterministic.
        var network = new VaeNetwork(config, new LoomRandom(0));
        network.Load(weights);
        network.Eval();
        return new VaeModel(network);
    }
}
