using Loom.Training.Trainer;

namespace Loom.Models.Imaging;

/// <summary>
/// One image family (VAE, GAN, diffusion, flow): how to train a model of it into a model directory and how to read
/// one back. Each family implements this once in its own folder (Vae/, Gan/, Diffusion/, Flows/), with a public
/// parameterless constructor; <see cref="ImageFamilies"/> finds them, so the CLI and the server name no family.
/// </summary>
public interface IImageFamily
{
    /// <summary>The name users type (`--family vae`) and the manifest's family field ("vae", "gan", "diffusion", "flow").</summary>
    string Name { get; }

    /// <summary>One line for `--help`.</summary>
    string Description { get; }

    /// <summary>
    /// Trains (or, with <see cref="TrainerOptions.Resume"/>, continues) a model on <see cref="ImageTrainingRequest.Train"/>
    /// and saves it as a model directory at <see cref="TrainerOptions.OutDir"/> (loom.json written last, atomically).
    /// </summary>
    ImageTrainingResult Train(ImageTrainingRequest request, IProgress<TrainerProgress>? progress = null,
        Action<string>? status = null, CancellationToken cancellation = default);

    /// <summary>Reads a model directory this family wrote; a LoomException names the file and field that is wrong.</summary>
    IImageModel Load(string directory);
}

/// <summary>What <see cref="IImageFamily.Train"/> did: the loop's summary and where the model directory is.</summary>
public sealed record ImageTrainingResult(TrainingSummary Summary, string ModelDirectory);
