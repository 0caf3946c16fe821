using Loom.Core;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Models.Vae;
using Loom.Training.Trainer;

namespace Loom.Models.Gan;

/// <summary>
/// The GAN image family ("gan"): DCGAN-style generator and spectrally normalized discriminator trained with the hinge
/// loss by <see cref="GanTrainer"/>; the generator's moving average is saved as the model. Settings: see <see cref="GanConfig"/>.
/// </summary>
public sealed class GanFamily : IImageFamily
{
    public const string FamilyName = "gan";

    /// <summary>64 real + 64 generated images per discriminator step: tall enough GEMMs, and a batch statistic-free D is fine with it.</summary>
    public const int DefaultBatchSize = 64;

    public string Name => FamilyName;

    public string Description => "GAN: DCGAN-style generator, spectrally normalized discriminator, hinge loss, EMA generator";

    public ImageTrainingResult Train(ImageTrainingRequest request, IProgress<TrainerProgress>? progress = null,
        Action<string>? status = null, CancellationToken cancellation = default)
    {
        var (options, outDir, batch) = VaeFamily.Prepare(request, FamilyName, DefaultBatchSize);
        var config = GanConfig.FromSettings(request.Settings, request.Train.Channels, request.Train.Height);
        FamilySettings.CheckImageShape(FamilyName, request.Train.Channels, request.Train.Height, request.Train.Width);
        var networks = new GanNetworks(config, new LoomRandom(options.Seed).Fork());
        status?.Invoke($"gan: generator {networks.Generator.ParameterCount:N0} and discriminator {networks.Discriminator.ParameterCount:N0} parameters, " +
            $"{request.Train.Count} images, batch {batch}");
        var summary = new GanTrainer(networks, request.Train, batch, request.Flip, options).Run(progress, cancellation);
        networks.AverageGenerator.Eval();
        GanDirectory.Save(outDir, networks.AverageGenerator, new Provenance { Seed = options.Seed }, TrainingRecord.From(summary, batch));
        status?.Invoke($"gan: saved {outDir}");
        return new ImageTrainingResult(summary, outDir);
    }

    public IImageModel Load(string directory) => GanDirectory.Load(directory);
}
