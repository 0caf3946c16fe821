using Loom.Core;
using Loom.Models.Storage;

namespace Loom.Models.Vae;

/// <summary>A VAE model directory: loom.json (family "vae", the config) and model.safetensors, loom.json written last.</summary>
public static class VaeDirectory
{
    public static void Save(string directory, VaeNetwork network, Provenance? provenance = null, TrainingRecord? training = null)
    {
        ModelDirectory.BeginWrite(directory);
        network.Save(Path.Combine(directory, ModelDirectory.WeightsFileName));
        ModelDirectory.WriteManifest(directory, new ModelManifest
        {
            Family = VaeFamily.FamilyName,
            Config = FamilySettings.ToJson(network.Config),
            Provenance = provenance ?? new Provenance(),
            Training = training,
        });
    }

    public static VaeModel Load(string directory)
    {
        var manifest = ModelDirectory.ReadManifest(directory, VaeFamily.FamilyName);
        string manifestPath = Path.Combine(directory, ModelDirectory.ManifestFileName);
        VaeConfig config;
        try
        {
            config = FamilySettings.FromJson<VaeConfig>(manifest.Config, manifestPath, VaeFamily.FamilyName).Validate();
        }
        catch (LoomException e) when (e.Code == LoomErrorCode.InvalidArgument)
        {
            throw LoomException.Format(manifestPath, e.Message);
        }
        string weights = Path.Combine(directory, manifest.Weights);
        if (!File.Exists(weights)) throw new LoomException(LoomErrorCode.FileNotFound, $"{weights}: weights not found");
        // The initialization is overwritten by the file; a fixed seed just keeps construction deterministic.
        var network = new VaeNetwork(config, new LoomRandom(0));
        network.Load(weights);
        network.Eval();
        return new VaeModel(network);
    }
}
