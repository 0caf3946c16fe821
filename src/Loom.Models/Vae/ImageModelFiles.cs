using Loom.Core;
using Loom.Models.Storage;
using Loom.Nn;

namespace Loom.Models.Vae;

/// <summary>
/// The model directory of a VAE or GAN: loom.json (the family and its config record) and model.safetensors (one
/// module's state dict), written with loom.json last, and read back with errors naming the file.
/// </summary>
public static class ImageModelFiles
{
    public static void Save<TConfig>(string directory, string family, Module weights, TConfig config, Provenance? provenance,
        TrainingRecord? training)
    {
        ModelDirectory.BeginWrite(directory);
        weights.Save(Path.Combine(directory, ModelDirectory.WeightsFileName));
        ModelDirectory.WriteManifest(directory, new ModelManifest
        {
            Family = family,
            Config = FamilySettings.ToJson(config),
            Provenance = provenance ?? new Provenance(),
            Training = training,
        });
    }

    /// <summary>The config (validated: an out-of-range field is a format error naming loom.json) and the weights' path.</summary>
    public static (TConfig Config, string Weights) Read<TConfig>(string directory, string family, Func<TConfig, TConfig> validate)
    {
        var manifest = ModelDirectory.ReadManifest(directory, family);
        string manifestPath = Path.Combine(directory, ModelDirectory.ManifestFileName);
        TConfig config;
        try
        {
            config = validate(FamilySettings.FromJson<TConfig>(manifest.Config, manifestPath, family));
        }
        catch (LoomException e) when (e.Code == LoomErrorCode.InvalidArgument)
        {
            throw LoomException.Format(manifestPath, e.Message);
        }
        string weights = Path.Combine(directory, manifest.Weights);
        if (!File.Exists(weights)) throw new LoomException(LoomErrorCode.FileNotFound, $"{weights}: weights not found");
        return (config, weights);
    }
}
