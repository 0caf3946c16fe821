using Loom.Cli;
using Loom.Core;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Tests.Models.Transformer;
using Loom.Text.Sampling;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Cli;

public class FinetuneCommandTests
{
    private static readonly CharTokenizer Tokenizer = CharTokenizer.Build("abcdefgh", ["\n"]);

    private static (string Base, string Data) Setup(string root)
    {
        string baseDir = Path.Combine(root, "base");
        TransformerLmDirectory.Save(baseDir, new TransformerLm(TinyModels.Llama(vocab: Tokenizer.VocabSize, context: 16), seed: 3), Tokenizer);
        string data = Path.Combine(root, "data.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat("abc\nbcd\ncde\nabcd\n", 10)));
        return (baseDir, data);
    }

    private static FinetuneResult Run(FinetuneSettings settings, string outDir, long steps = 30) =>
        LanguageModelFinetuner.Run(settings with { BatchSize = 8 },
            FinetuneCommand.Options(settings, outDir, steps, minutes: null, learningRate: 1e-2f, seed: 1));

    [Fact]
    public void Full_finetune_lowers_the_validation_loss_and_writes_a_model_directory_naming_its_base()
    {
        using var dir = new TinyModels.TempDir();
        var (baseDir, data) = Setup(dir.Path);
        string outDir = Path.Combine(dir.Path, "tuned");
        string baseSha = ModelDirectory.Sha256OfFile(Path.Combine(baseDir, "model.safetensors"));
        var result = Run(new FinetuneSettings { Model = baseDir, Data = data }, outDir);

        Assert.True(result.Summary.Validation!.Loss < result.BaseValLoss - 0.5, $"{result.BaseValLoss} → {result.Summary.Validation.Loss}");
        Assert.Equal(result.TotalParameters, result.TrainableParameters);
        var tuned = TransformerLmDirectory.Load(outDir);
        Assert.Equal(baseDir, tuned.Manifest.Provenance!.BaseModel);
        Assert.Equal(30, tuned.Manifest.Training!.Steps);
        Assert.Equal(TextFormat.LinesMode, tuned.TextFormat.Mode);
        Assert.Equal(baseSha, ModelDirectory.Sha256OfFile(Path.Combine(baseDir, "model.safetensors"))); // the base is untouched
        Assert.Equal(FinetuneCommand.ToJson(result)["model"]!.GetValue<string>(), outDir);
    }

    [Fact]
    public void Lora_finetune_saves_only_an_adapter_that_generate_applies_and_merge_saves_a_model()
    {
        using var dir = new TinyModels.TempDir();
        var (baseDir, data) = Setup(dir.Path);
        string adapterDir = Path.Combine(dir.Path, "adapter");
        var settings = new FinetuneSettings { Model = baseDir, Data = data, LoraRank = 4, Targets = ["q_proj", "v_proj", "down_proj"] };
        var result = Run(settings, adapterDir);

        Assert.True(result.Summary.Validation!.Loss < result.BaseValLoss, $"{result.BaseValLoss} → {result.Summary.Validation.Loss}");
        Assert.Equal(6, result.AdaptedModules.Count);
        Assert.True(result.TrainableParameters < result.TotalParameters / 4);
        Assert.True(File.Exists(Path.Combine(adapterDir, "adapter.safetensors")));
        Assert.False(File.Exists(Path.Combine(adapterDir, "loom.json")));

        string mergedDir = Path.Combine(dir.Path, "merged");
        var merged = Run(settings with { Merge = true }, mergedDir);
        Assert.True(merged.SavedModel && merged.SavedAdapter);
        // Same seed and data: the merged model generates what base + adapter generates.
        var greedy = new SamplingOptions { Temperature = 0f, MaxTokens = 8 };
        string Text(string model, string? lora) =>
            (string)GenerateCommand.Run(new GenerateRequest(model, "a", 1, greedy, lora))["samples"]![0]!["text"]!;
        Assert.Equal(Text(mergedDir, null), Text(baseDir, mergedDir));
    }

    [Fact]
    public void Data_with_characters_outside_the_base_vocabulary_and_bad_options_are_clear_errors()
    {
        using var dir = new TinyModels.TempDir();
        var (baseDir, _) = Setup(dir.Path);
        string data = Path.Combine(dir.Path, "other.txt");
        File.WriteAllText(data, string.Concat(Enumerable.Repeat("abz\nabc\n", 10)));
        var e = Assert.Throws<LoomException>(() => Run(new FinetuneSettings { Model = baseDir, Data = data }, Path.Combine(dir.Path, "o")));
        Assert.Contains("'z'", e.Message);
        Assert.Contains("data", e.Message);

        Assert.Throws<LoomException>(() => Run(new FinetuneSettings { Model = baseDir, Data = data, Merge = true }, Path.Combine(dir.Path, "o")));
        Assert.Throws<LoomException>(() => Run(new FinetuneSettings { Model = baseDir, Data = data }, baseDir));
        Assert.Equal(["q_proj", "o_proj"], FinetuneCommand.ParseTargets(" q_proj, o_proj ,"));
    }
}
