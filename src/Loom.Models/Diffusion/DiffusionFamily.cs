using Loom.Core;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Schedulers;
using Loom.Models.Diffusion.Training;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Training.Trainer;

namespace Loom.Models.Diffusion;

/// <summary>
/// The diffusion image family: a UNet noise predictor with a cosine schedule and ε-prediction, optionally
/// conditioned on captions through a jointly trained text encoder with classifier-free guidance, EMA weights for
/// sampling, DDPM and DDIM samplers and inpainting. Settings: <see cref="DiffusionSettings"/>.
/// </summary>
public sealed class DiffusionFamily : IImageFamily
{
    /// <summary>Images per micro-batch when the request gives none.</summary>
    public const int DefaultBatchSize = 32;

    public string Name => DiffusionModelDirectory.Family;

    public string Description => "denoising diffusion: UNet, cosine schedule, DDPM/DDIM sampling, caption guidance, inpainting";

    public ImageTrainingResult Train(ImageTrainingRequest request, IProgress<TrainerProgress>? progress = null, Action<string>? status = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string outDir = request.Trainer.OutDir ?? throw LoomException.Argument("diffusion: training needs an output directory");
        var (config, schedulerConfig) = DiffusionSettings.Parse(request.Settings, request.Train);
        var vocabulary = config.IsConditional
            ? CaptionVocabulary.Build(Enumerable.Range(0, request.Train.Count).Select(request.Train.Caption))
            : null;
        var network = new DiffusionNetwork(config, vocabulary?.Count ?? 0, new LoomRandom(request.Trainer.Seed));
        int batch = request.BatchSize ?? DefaultBatchSize;
        var task = new DiffusionTrainingTask(network, new NoiseSchedule(schedulerConfig), request.Train, request.Validation, vocabulary,
            batch, request.Flip);
        var options = request.Trainer with { EmaDecay = request.Trainer.EmaDecay ?? DefaultEmaDecay(request.Trainer) };
        status?.Invoke($"diffusion: UNet {network.Unet.ParameterCount:N0} weights" +
            (vocabulary is null ? ", unconditional" : $", caption encoder over {vocabulary.Count - 1} words") +
            $", EMA decay {options.EmaDecay}, batch {batch}");

        var summary = TrainingLoop.Run(task, options, progress, cancellation);
        summary.Ema?.CopyTo(network); // sampling uses the averaged weights
        DiffusionModelDirectory.Save(outDir, network, vocabulary, schedulerConfig,
            new Provenance { Seed = request.Trainer.Seed }, TrainingRecord.From(summary, batch * options.GradAccumulation));
        return new ImageTrainingResult(summary, outDir);
    }

    public IImageModel Load(string directory) => DiffusionModelDirectory.Load(directory);

    /// <summary>
    /// The EMA decay when the options name none. The averaged weights should span roughly the last twentieth of the
    /// run: an average over many more steps than were run would still carry the random initialization. A resumed run
    /// keeps its checkpoint's decay; a run limited only by time assumes some thousands of steps.
    /// </summary>
    public static float DefaultEmaDecay(TrainerOptions options)
    {
        string? checkpoint = options.OutDir is null ? null : Path.Combine(options.OutDir, Checkpoint.DirectoryName);
        if (options.Resume && checkpoint is not null && Checkpoint.Exists(checkpoint) && Checkpoint.ReadManifest(checkpoint).Options.EmaDecay is { } saved)
            return saved;
        if (options.Steps is not { } steps) return 0.995f;
        return (float)Math.Clamp(1 - 20.0 / steps, 0.9, 0.9995);
    }
}
