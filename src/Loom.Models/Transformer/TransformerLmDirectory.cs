using Loom.Core;
using Loom.Models.Storage;
using Loom.Nn.Lora;
using Loom.Text.Tokenizers;

namespace Loom.Models.Transformer;

/// <summary>
/// Saves and loads "transformer-lm" model directories: loom.json (config, tokenizer, provenance, training summary),
/// model.safetensors and tokenizer.json. See <see cref="ModelDirectory"/> for the crash-safe write order.
/// </summary>
public static class TransformerLmDirectory
{
    public const string Family = "transformer-lm";

    /// <param name="text">How training formed sequences (lines with a boundary token, or a stream); generation repeats
    /// it. When null, readers infer it from the tokenizer (<see cref="LanguageModel.TextFormat"/>).</param>
    public static void Save(string directory, TransformerLm model, ITokenizer tokenizer, Provenance? provenance = null,
        TrainingRecord? training = null, TextFormat? text = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (Lora.Adapters(model).Any())
            throw LoomException.Argument("save model: the model has LoRA adapters; merge them (Lora.Merge) or save them with Lora.SaveAdapter");
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw LoomException.Argument($"save model: the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.Config.VocabSize}");
        if (text?.Boundary is { } boundary && (uint)boundary >= (uint)tokenizer.VocabSize)
            throw LoomException.Argument($"save model: boundary token {boundary} is outside the tokenizer's {tokenizer.VocabSize} tokens");
        ModelDirectory.BeginWrite(directory);
        model.Save(Path.Combine(directory, ModelDirectory.WeightsFileName),
            metadata: new Dictionary<string, string> { ["format"] = "pt", ["loom.family"] = Family });
        tokenizer.Save(directory);
        ModelDirectory.WriteManifest(directory, new ModelManifest
        {
            Family = Family,
            Config = TransformerConfigJson.ToNode(model.Config).AsObject(),
            Tokenizer = new TokenizerEntry(tokenizer.Kind, TokenizerFile.FileName),
            Text = text,
            Provenance = provenance ?? new Provenance(),
            Training = training,
        });
    }

    /// <summary>
    /// Loads a model directory. Errors name what is wrong: a missing directory or loom.json, another family, an
    /// invalid config field, a weight whose shape does not fit the config (tensor and both shapes), a corrupt
    /// safetensors file, a tokenizer larger than the model's vocabulary.
    /// </summary>
    public static LanguageModel Load(string directory)
    {
        var manifest = ModelDirectory.ReadManifest(directory, Family);
        string manifestPath = Path.Combine(directory, ModelDirectory.ManifestFileName);
        var config = TransformerConfigJson.FromNode(manifest.Config, $"{manifestPath} (config)");
        if (manifest.Tokenizer is null) throw LoomException.Format(manifestPath, "has no tokenizer entry");
        var tokenizer = TokenizerFile.Load(Path.Combine(directory, manifest.Tokenizer.File));
        if (tokenizer.VocabSize > config.VocabSize)
            throw LoomException.Format(manifestPath, $"the tokenizer has {tokenizer.VocabSize} tokens but the config's vocabSize is {config.VocabSize}");

        var model = new TransformerLm(config);
        model.Load(Path.Combine(directory, manifest.Weights));
        model.Eval();
        return new LanguageModel(model, tokenizer, manifest, directory);
    }
}
