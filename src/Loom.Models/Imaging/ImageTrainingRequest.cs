using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Models.Imaging;

/// <summary>
/// Everything a family needs to train: the images (already at the model's size and channel count), an optional
/// validation set, the loop's options (steps, minutes, learning rate, seed, output directory, resume) and
/// family-specific settings given as `--set key=value` on the command line (each family documents its keys and
/// rejects unknown ones naming them).
/// </summary>
public sealed record ImageTrainingRequest
{
    public required ImageTensorSet Train { get; init; }

    public ImageTensorSet? Validation { get; init; }

    public required TrainerOptions Trainer { get; init; }

    /// <summary>Images per micro-batch; null: the family's default.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Random left-right flips of training images.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Family-specific settings (e.g. "beta" for the VAE, "channels" for the UNet); keys are case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
