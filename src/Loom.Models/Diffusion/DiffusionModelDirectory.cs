using Loom.Core;
using Loom.Formats;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Schedulers;
using Loom.Models.Storage;

namespace Loom.Models.Diffusion;

/// <summary>
/// A diffusion model directory: loom.json (family "diffusion", the <see cref="DiffusionConfig"/>), model.safetensors
/// (the network's weights — the EMA weights after training), scheduler.json (<see cref="SchedulerConfig"/>) and, for
/// a caption-conditioned model, vocab.json (<see cref="CaptionVocabulary"/>). loom.json is written last.
/// </summary>
public static class DiffusionModelDirectory
{
    public const string Family = "diffusion";

    public static void Save(string directory, DiffusionNetwork network, CaptionVocabulary? vocabulary, SchedulerConfig scheduler,
        Provenance? provenance = null, TrainingRecord? training = null)
    {
        if (network.Config.IsConditional != vocabulary is not null)
            throw LoomException.Argument("diffusion: a caption-conditioned model is saved with its vocabulary, an unconditional one without");
        ModelDirectory.BeginWrite(directory);
        network.Save(Path.Combine(directory, ModelDirectory.WeightsFileName), SafetensorsDType.F32,
            new Dictionary<string, string> { ["family"] = Family });
        scheduler.Save(Path.Combine(directory, SchedulerConfig.FileName));
        vocabulary?.Save(Path.Combine(directory, CaptionVocabulary.FileName));
        ModelDirectory.WriteManifest(directory, new ModelManifest
        {
            Family = Family,
            Config = network.Config.ToJson(),
            Tokenizer = vocabulary is null ? null : new TokenizerEntry("words", CaptionVocabulary.FileName),
            Provenance = provenance,
            Training = training,
        });
    }

    public static DiffusionImageModel Load(string directory)
    {
        var manifest = ModelDirectory.ReadManifest(directory, Family);
        string manifestPath = Path.Combine(directory, ModelDirectory.ManifestFileName);
        var config = DiffusionConfig.FromJson(manifest.Config, manifestPath);
        var scheduler = SchedulerConfig.Load(Path.Combine(directory, SchedulerConfig.FileName));
        CaptionVocabulary? vocabulary = null;
        if (config.IsConditional)
        {
            string file = manifest.Tokenizer?.File ?? throw LoomException.Format(manifestPath, "a caption-conditioned model needs a 'tokenizer' entry (vocab.json)");
            vocabulary = CaptionVocabulary.Load(Path.Combine(directory, file));
        }
        var network = new DiffusionNetwork(config, vocabulary?.Count ?? 0, new LoomRandom(0));
        string weights = Path.Combine(directory, manifest.Weights);
        if (!File.Exists(weights)) throw new LoomException(LoomErrorCode.FileNotFound, $"{weights}: weights not found");
        network.Load(weights);
        return new DiffusionImageModel(network, vocabulary, scheduler);
    }
}
