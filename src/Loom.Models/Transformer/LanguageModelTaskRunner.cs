using Loom.Core;
using Loom.Models.Storage;
using Loom.Training.Text;
using Loom.Training.Trainer;

namespace Loom.Models.Transformer;

/// <summary>A language-model run made ready: data, tokenizer, model and the task that trains it.</summary>
public sealed record LanguageModelRun(LanguageModelTaskSettings Settings, LanguageModelData Data, TransformerLm Model, LanguageModelTask Task);

/// <summary>What <see cref="LanguageModelTaskRunner.Train"/> did: the loop's summary and the run it trained.</summary>
public sealed record LanguageModelTrainingResult(TrainingSummary Summary, LanguageModelRun Run, string ModelDirectory);

/// <summary>
/// `loom train lm` as a library call: read and split the text, build the tokenizer and the model from a preset, train
/// with <see cref="TrainingLoop"/> (checkpoints and metrics in the output directory), and save the output directory
/// as a model directory that <c>loom generate</c> and <c>loom eval lm</c> read.
/// </summary>
public static class LanguageModelTaskRunner
{
    /// <summary>Reads, splits and tokenizes the data and builds the model; <paramref name="status"/> hears what is happening.</summary>
    public static LanguageModelRun Prepare(LanguageModelTaskSettings settings, ulong seed, Action<string>? status = null,
        CancellationToken cancellation = default)
    {
        if (settings.BatchSize < 1) throw LoomException.Argument($"train lm: batch size must be at least 1, found {settings.BatchSize}");
        status?.Invoke($"reading {settings.Data}");
        var data = TextData.Read(settings.Data);
        var split = settings.Validation is { } validationPath
            ? new TextSplit(data.Text, TextData.Read(validationPath).Text)
            : TextSplit.Create(data.Text, settings.Mode, TextSplit.DefaultValidationFraction, seed);

        var preset = TransformerPresets.Load(settings.Preset);
        int context = settings.ContextLength ?? preset.ContextLength;
        status?.Invoke($"building the {settings.Tokenizer} tokenizer");
        var prepared = LanguageModelData.Create(split, settings.Mode, settings.Tokenizer, context, cancellation: cancellation);
        var config = preset with
        {
            VocabSize = prepared.Tokenizer.VocabSize,
            ContextLength = context,
            Dropout = settings.Dropout ?? preset.Dropout,
            AttentionDropout = settings.AttentionDropout ?? preset.AttentionDropout,
        };
        if (prepared.Train is LineDataset lines && lines.TruncatedLines > 0)
            status?.Invoke($"warning: {lines.TruncatedLines} of {lines.LineCount} lines are longer than the context of {context} tokens and are cut");
        // The model's generator must not be the loop's (both would start from the same seed): derive another one.
        var model = new TransformerLm(config, seed ^ 0x6A09E667F3BCC909UL);
        return new LanguageModelRun(settings, prepared, model, new LanguageModelTask(model, prepared.Train, prepared.Validation, settings.BatchSize));
    }

    /// <summary>
    /// Trains (or, with <see cref="TrainerOptions.Resume"/>, continues) a run whose output directory is
    /// <see cref="TrainerOptions.OutDir"/>, then saves that directory as a model directory.
    /// </summary>
    public static LanguageModelTrainingResult Train(LanguageModelTaskSettings settings, TrainerOptions options,
        IProgress<TrainerProgress>? progress = null, Action<string>? status = null, CancellationToken cancellation = default)
    {
        string outDir = options.OutDir ?? throw LoomException.Argument("train lm: an output directory is required");
        TextData.RequireExists(settings.Data);
        if (settings.Validation is { } validationPath) TextData.RequireExists(validationPath);
        var sources = new List<DataSource> { ModelDirectory.DescribeData(settings.Data) };
        if (settings.Validation is { } validation) sources.Add(ModelDirectory.DescribeData(validation));
        var fingerprinted = settings with { DataSha256 = sources[0].Sha256, ValidationSha256 = settings.Validation is null ? null : sources[1].Sha256 };
        if (options.Resume) RequireSameData(Path.Combine(outDir, Checkpoint.DirectoryName), fingerprinted);

        var run = Prepare(fingerprinted, options.Seed, status, cancellation);
        status?.Invoke($"model: {run.Model.ParameterCount:N0} parameters, vocabulary {run.Model.Config.VocabSize}, context {run.Model.Config.ContextLength}; " +
            $"{run.Data.Train.TargetCount:N0} training and {run.Data.Validation.TargetCount:N0} validation tokens");
        var summary = TrainingLoop.Run(run.Task, options with { Run = fingerprinted.ToJson() }, progress, cancellation);
        if (summary.Ema is { } ema)
        {
            // The averaged weights are the model the run hands over, so the saved model and the reported validation
            // loss are both the average's (the loop's own evaluations saw the raw weights).
            ema.CopyTo(run.Model);
            // After Ctrl-C the token has fired, so a validation pass would throw before the model is saved: the
            // average is saved unvalidated (the raw weights' loss would be the wrong model's).
            bool cancelled = summary.Stopped == StopReason.Cancelled;
            if (!cancelled) status?.Invoke($"weights: exponential moving average (decay {options.EmaDecay}); validating it");
            summary = summary with { Validation = cancelled ? null : run.Task.Evaluate(cancellation) };
        }

        TransformerLmDirectory.Save(outDir, run.Model, run.Data.Tokenizer,
            new Provenance { Seed = options.Seed, Data = sources },
            new TrainingRecord
            {
                Steps = summary.Steps,
                Tokens = summary.Steps * options.GradAccumulation * run.Task.ItemsPerMicroBatch,
                TrainLoss = float.IsNaN(summary.FinalLoss) ? null : summary.FinalLoss,
                ValLoss = summary.Validation?.Loss,
                Seconds = Math.Round(summary.Elapsed.TotalSeconds, 1),
            },
            run.Data.Format);
        return new LanguageModelTrainingResult(summary, run, outDir);
    }

    /// <summary>The settings a checkpoint was trained with (for resuming without repeating them).</summary>
    public static LanguageModelTaskSettings SettingsOf(string checkpointDirectory)
    {
        var manifest = Checkpoint.ReadManifest(checkpointDirectory);
        return LanguageModelTaskSettings.FromJson(manifest.Run, manifest.Path);
    }

    private static void RequireSameData(string checkpointDirectory, LanguageModelTaskSettings now)
    {
        if (!Checkpoint.Exists(checkpointDirectory)) return;
        var saved = SettingsOf(checkpointDirectory);
        var comparable = now with { DataSha256 = saved.DataSha256, ValidationSha256 = saved.ValidationSha256 };
        if (saved != comparable)
            throw LoomException.Argument($"train lm: resume: the checkpoint in {checkpointDirectory} was trained with other data or model settings " +
                $"({saved.ToJson().ToJsonString()}); resume with the same ones, or train into a new --out directory");
        if (saved.DataSha256 != now.DataSha256 || saved.ValidationSha256 != now.ValidationSha256)
            throw LoomException.Argument($"train lm: resume: the data changed since the checkpoint in {checkpointDirectory} was written " +
                "(its SHA-256 differs); an exact resume needs the same data");
    }
}
