using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Tensors;
using Loom.Training.Trainer;

namespace Loom.Models.Flows;

/// <summary>
/// The normalizing-flow image family ("flow"): a Glow-style multi-scale flow trained by exact maximum likelihood.
/// Settings (`--set key=value`): levels, stepsPerLevel, hidden (see <see cref="FlowConfig"/>).
/// </summary>
public sealed class FlowFamily : IImageFamily
{
    public const string FamilyName = "flow";

    /// <summary>Images per micro-batch unless the request says otherwise: enough for stable Adam steps, small enough for many of them.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>Images whose statistics initialize every ActNorm (more than one batch: per-channel statistics settle).</summary>
    public const int InitImages = 256;

    // Where run settings live in the checkpoint, so a resumed run rebuilds the same flow.
    private const string RunConfigKey = "flowConfig";

    public string Name => FamilyName;

    public string Description => "normalizing flow (Glow: actnorm, invertible 1×1 conv, affine coupling, multi-scale); exact bits/dim";

    public ImageTrainingResult Train(ImageTrainingRequest request, IProgress<TrainerProgress>? progress = null,
        Action<string>? status = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Trainer;
        string outDir = options.OutDir ?? throw LoomException.Argument("flow training: an output directory is required (it receives the model)");
        var train = request.Train;
        if (train.Count < 1) throw LoomException.Argument("flow training: the training set has no images");

        var config = ConfigFor(request);
        var flow = new MultiScaleFlow(config, new LoomRandom(options.Seed));
        int batchSize = request.BatchSize ?? DefaultBatchSize;
        var task = new FlowTrainingTask(flow, train, request.Validation, batchSize, request.Flip);
        status?.Invoke($"flow: {config.Levels} levels × {config.StepsPerLevel} steps, {config.Hidden} hidden channels, " +
            $"{flow.ParameterCount:N0} parameters, {train.Count} training images of {config.Channels}×{config.Height}×{config.Width}");
        // Data-dependent ActNorm init before the loop (a resumed run's checkpoint overwrites it), so the EMA, if any,
        // starts from initialized weights too.
        InitializeActNorms(flow, train, options.Seed);

        var run = options.Run?.DeepClone().AsObject() ?? new JsonObject();
        run[RunConfigKey] = config.ToJson();
        var summary = TrainingLoop.Run(task, options with { Run = run }, progress, cancellation);
        summary.Ema?.CopyTo(flow);

        FlowDirectory.Save(outDir, flow, new Provenance { Seed = options.Seed },
            TrainingRecord.From(summary, (long)batchSize * options.GradAccumulation));
        status?.Invoke($"flow: saved to {outDir}" + (summary.Validation is { } v ? $" (validation {v.Loss:F3} bits/dim)" : ""));
        return new ImageTrainingResult(summary, outDir);
    }

    public IImageModel Load(string directory) => FlowDirectory.Load(directory);

    /// <summary>The config for this request: the data's shape with `--set` applied, or, when resuming, the checkpoint's.</summary>
    private static FlowConfig ConfigFor(ImageTrainingRequest request)
    {
        var train = request.Train;
        var config = new FlowConfig { Channels = train.Channels, Height = train.Height, Width = train.Width }.With(request.Settings);
        string? checkpoint = request.Trainer.OutDir is { } dir ? Path.Combine(dir, Checkpoint.DirectoryName) : null;
        if (request.Trainer.Resume && checkpoint is not null && Checkpoint.Exists(checkpoint)
            && Checkpoint.ReadManifest(checkpoint).Run?[RunConfigKey] is JsonObject saved)
        {
            var resumed = FlowConfig.FromJson(saved, Path.Combine(checkpoint, Checkpoint.ManifestName));
            if (request.Settings.Count > 0 && resumed != config)
                throw LoomException.Argument($"flow training: resume: the checkpoint's flow ({saved.ToJsonString()}) differs from the settings given now; drop the --set options or start afresh");
            config = resumed;
        }
        config.Validate("flow training");
        return config;
    }

    private static void InitializeActNorms(MultiScaleFlow flow, Training.Images.ImageTensorSet train, ulong seed)
    {
        var rng = new LoomRandom(seed ^ 0xAC7_1417);
        var indices = new int[Math.Min(InitImages, train.Count)];
        if (indices.Length == train.Count) for (int i = 0; i < indices.Length; i++) indices[i] = i;
        else for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(train.Count);
        flow.Initialize(Dequantization.ToFlowSpace(train.Batch(indices), rng));
    }
}
