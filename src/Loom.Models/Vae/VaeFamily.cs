using Loom.Core;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Training.Trainer;

namespace Loom.Models.Vae;

/// <summary>
/// The VAE image family ("vae"): trains a <see cref="VaeNetwork"/> through <see cref="TrainingLoop"/> and saves it as
/// a model directory in the run's output directory. Settings: latent, channels, beta (see <see cref="VaeConfig"/>).
/// </summary>
public sealed class VaeFamily : IImageFamily
{
    public const string FamilyName = "vae";

    /// <summary>64 images a step: the convolutions' GEMMs get rows enough to run near full speed.</summary>
    public const int DefaultBatchSize = 64;

    public string Name => FamilyName;

    public string Description => "variational autoencoder: convolutional encoder/decoder, discretized-logistic likelihood, bits/dim bound";

    public ImageTrainingResult Train(ImageTrainingRequest request, IProgress<TrainerProgress>? progress = null,
        Action<string>? status = null, CancellationToken cancellation = default)
    {
        var (options, outDir, batch) = Prepare(request, FamilyName, DefaultBatchSize);
        var config = VaeConfig.FromSettings(request.Settings, request.Train.Channels, request.Train.Height);
        FamilySettings.CheckImageShape(FamilyName, request.Train.Channels, request.Train.Height, request.Train.Width);
        var network = new VaeNetwork(config, new LoomRandom(options.Seed).Fork());
        status?.Invoke($"vae: {network.ParameterCount:N0} parameters, latent {config.Latent}, {request.Train.Count} images, batch {batch}");
        var task = new VaeTrainingTask(network, request.Train, request.Validation, batch, request.Flip);
        var summary = TrainingLoop.Run(task, options, progress, cancellation);
        summary.Ema?.CopyTo(network);
        network.Eval();
        VaeDirectory.Save(outDir, network, new Provenance { Seed = options.Seed }, TrainingRecord.From(summary, batch));
        status?.Invoke($"vae: saved {outDir}");
        return new ImageTrainingResult(summary, outDir);
    }

    public IImageModel Load(string directory) => VaeDirectory.Load(directory);

    /// <summary>The checks both families make before training: options valid, an output directory, a batch size, images present.</summary>
    internal static (TrainerOptions Options, string OutDir, int Batch) Prepare(ImageTrainingRequest request, string family, int defaultBatch)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Trainer;
        options.Validate();
        string outDir = options.OutDir ?? throw LoomException.Argument($"{family}: training needs an output directory (the model is saved there)");
        if (request.Train.Count == 0) throw LoomException.Argument($"{family}: the training set has no images");
        int batch = request.BatchSize ?? defaultBatch;
        if (batch < 1) throw LoomException.Argument($"{family}: batch size must be at least 1, found {batch}");
        if (request.Validation is { } v && (v.Channels != request.Train.Channels || v.Height != request.Train.Height || v.Width != request.Train.Width))
            throw LoomException.Argument($"{family}: validation images are {v.Channels}×{v.Height}×{v.Width}, training images {request.Train.Channels}×{request.Train.Height}×{request.Train.Width}");
        return (options, outDir, batch);
    }
}
