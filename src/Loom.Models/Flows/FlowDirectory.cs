using Loom.Core;
using Loom.Models.Storage;

namespace Loom.Models.Flows;

/// <summary>
/// Saves and loads "flow" model directories: loom.json (the <see cref="FlowConfig"/>, provenance, training summary)
/// and model.safetensors (weights plus the buffers that are not trained but define the model: each ActNorm's
/// "initialized" flag and each 1×1 conv's permutation and signs). See <see cref="ModelDirectory"/> for the write order.
/// </summary>
public static class FlowDirectory
{
    public static void Save(string directory, MultiScaleFlow flow, Provenance? provenance = null, TrainingRecord? training = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ModelDirectory.BeginWrite(directory);
        flow.Save(Path.Combine(directory, ModelDirectory.WeightsFileName),
            metadata: new Dictionary<string, string> { ["format"] = "pt", ["loom.family"] = FlowFamily.FamilyName });
        ModelDirectory.WriteManifest(directory, new ModelManifest
        {
            Family = FlowFamily.FamilyName,
            Config = flow.Config.ToJson(),
            Provenance = provenance ?? new Provenance(),
            Training = training,
        });
    }

    /// <summary>Reads a directory <see cref="Save"/> wrote; errors name the file and field (config, weights' names and shapes).</summary>
    public static FlowImageModel Load(string directory)
    {
        var manifest = ModelDirectory.ReadManifest(directory, FlowFamily.FamilyName);
        string manifestPath = Path.Combine(directory, ModelDirectory.ManifestFileName);
        var config = FlowConfig.FromJson(manifest.Config, $"{manifestPath} (config)");
        // The generator only fills values the weights file then overwrites (strict load: every tensor must be there).
        var flow = new MultiScaleFlow(config, new LoomRandom(0));
        string weights = Path.Combine(directory, manifest.Weights);
        if (!File.Exists(weights)) throw new LoomException(LoomErrorCode.FileNotFound, $"{weights}: the model's weights are missing");
        flow.Load(weights);
        return new FlowImageModel(flow, manifest);
    }
}
