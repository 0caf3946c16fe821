using Loom.Core;
using Loom.Models.Storage;
using Loom.Nn.Lora;
using Loom.Training.Text;
using Loom.Training.Trainer;

namespace Loom.Models.Transformer;

/// <summary>What to fine-tune and how: the base model directory, the new data, and LoRA (a rank) or full training (none).</summary>
public sealed record FinetuneSettings
{
    /// <summary>The base model directory.</summary>
    public required string Model { get; init; }

    /// <summary>New training text (file or folder); its characters must be in the base model's vocabulary.</summary>
    public required string Data { get; init; }

    /// <summary>Validation text; null holds out 10 % of <see cref="Data"/> the way training does.</summary>
    public string? Validation { get; init; }

    /// <summary>LoRA rank; null trains every weight of the model (continued training).</summary>
    public int? LoraRank { get; init; }

    /// <summary>LoRA alpha; null: twice the rank (scale 2), a common choice that makes the adapter learn quickly.</summary>
    public float? LoraAlpha { get; init; }

    /// <summary>Linear modules to adapt (patterns, see <see cref="Lora.Apply"/>); attention queries and values by default, as in the LoRA paper.</summary>
    public IReadOnlyList<string> Targets { get; init; } = ["q_proj", "v_proj"];

    /// <summary>With LoRA: also fold the adapter into the weights and save a complete model directory.</summary>
    public bool Merge { get; init; }

    public int BatchSize { get; init; } = 32;
}

/// <summary>What a fine-tuning run did: the loop's summary, the validation loss before it, and what was written.</summary>
public sealed record FinetuneResult(string BaseModel, TrainingSummary Summary, double BaseValLoss, long TrainableParameters, long TotalParameters,
    IReadOnlyList<string> AdaptedModules, string OutDirectory, bool SavedModel, bool SavedAdapter);

/// <summary>
/// `loom finetune` as a library call: continue training a saved language model on new data, fully or through LoRA
/// adapters, with the generic <see cref="TrainingLoop"/> (checkpoints and metrics in the output directory). Full
/// fine-tuning writes a model directory; LoRA writes adapter.json + adapter.safetensors (apply with
/// <c>loom generate --lora</c>), and with <see cref="FinetuneSettings.Merge"/> a merged model directory as well.
/// </summary>
public static class LanguageModelFinetuner
{
    public static FinetuneResult Run(FinetuneSettings settings, TrainerOptions options, IProgress<TrainerProgress>? progress = null,
        Action<string>? status = null, CancellationToken cancellation = default)
    {
        string outDir = options.OutDir ?? throw LoomException.Argument("finetune: an output directory (--out) is required");
        if (settings.BatchSize < 1) throw LoomException.Argument($"finetune: batch size must be at least 1, found {settings.BatchSize}");
        if (settings.LoraRank is null && settings.Merge) throw LoomException.Argument("finetune: --merge needs --lora (a full fine-tune is already a complete model)");
        if (Path.GetFullPath(outDir) == Path.GetFullPath(settings.Model))
            throw LoomException.Argument($"finetune: --out must differ from the base model directory ({settings.Model}), which stays as it is");

        var lm = TransformerLmDirectory.Load(settings.Model);
        var model = lm.Model;
        var mode = lm.TextFormat.Mode == TextFormat.LinesMode ? TextMode.Lines : TextMode.Stream;
        status?.Invoke($"reading {settings.Data} ({mode.ToString().ToLowerInvariant()} mode, the base model's)");
        var text = TextData.Read(settings.Data);
        var split = settings.Validation is { } validationPath
            ? new TextSplit(text.Text, TextData.Read(validationPath).Text)
            : TextSplit.Create(text.Text, mode, TextSplit.DefaultValidationFraction, options.Seed);
        int context = model.Config.ContextLength;
        var train = LanguageModelData.Tokenize(split.Train, mode, lm.Tokenizer, context, "training data");
        var validation = LanguageModelData.Tokenize(split.Validation, mode, lm.Tokenizer, context, "validation data");

        IReadOnlyList<string> adapted = [];
        if (settings.LoraRank is { } rank)
        {
            float alpha = settings.LoraAlpha ?? 2f * rank;
            adapted = Lora.Apply(model, rank, alpha, settings.Targets, seed: options.Seed);
            status?.Invoke($"LoRA rank {rank}, alpha {alpha} on {adapted.Count} modules: {string.Join(", ", adapted.Take(4))}{(adapted.Count > 4 ? ", …" : "")}");
        }
        model.Train();
        var task = new LanguageModelTask(model, train, validation, settings.BatchSize);
        long trainable = Lora.TrainableParameters(model).Sum(p => (long)p.Parameter.Length), total = model.ParameterCount;
        double baseLoss = LanguageModelTask.Evaluate(model, validation, settings.BatchSize, cancellation).Loss;
        status?.Invoke($"{trainable:N0} of {total:N0} parameters train; validation loss before: {baseLoss:F4} nats/token");

        var summary = TrainingLoop.Run(task, options, progress, cancellation);

        var sources = new List<DataSource> { ModelDirectory.DescribeData(settings.Data) };
        if (settings.Validation is { } v) sources.Add(ModelDirectory.DescribeData(v));
        var provenance = new Provenance { Seed = options.Seed, Data = sources, BaseModel = settings.Model };
        var record = TrainingRecord.From(summary, options.GradAccumulation * task.ItemsPerMicroBatch);
        bool savedAdapter = false;
        if (settings.LoraRank is not null)
        {
            string baseSha = ModelDirectory.Sha256OfFile(Path.Combine(lm.Directory, lm.Manifest.Weights));
            Lora.SaveAdapter(model, outDir, settings.Targets, baseModelPath: settings.Model, baseModelSha256: baseSha);
            savedAdapter = true;
            if (settings.Merge) Lora.Merge(model);
        }
        bool savedModel = settings.LoraRank is null || settings.Merge;
        if (savedModel) TransformerLmDirectory.Save(outDir, model, lm.Tokenizer, provenance, record, lm.Manifest.Text);
        model.Eval();
        return new FinetuneResult(settings.Model, summary, baseLoss, trainable, total, adapted, outDir, savedModel, savedAdapter);
    }
}
