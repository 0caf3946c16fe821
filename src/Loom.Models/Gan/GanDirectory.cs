using Loom.Core;
using Loom.Models.Storage;
using Loom.Models.Vae;

namespace Loom.Models.Gan;

/// <summary>
/// A GAN model directory: loom.json (family "gan", the config) and model.safetensors holding the averaged
/// generator (the discriminator stays in the training checkpoint), loom.json written last.
/// </summary>
public static class GanDirectory
{
    public static void Save(string directory, Generator generator, Provenance? provenance = null, TrainingRecord? training = null) =>
        ImageModelFiles.Save(directory, GanFamily.FamilyName, generator, generator.Config, provenance, training);

    public static GanModel Load(string directory)
    {
        var (config, weights) = ImageModelFiles.Read<GanConfig>(directory, GanFamily.FamilyName, c => c.Validate());
        var generator = new Generator(config, new LoomRandom(0)); // overwritten by the file
        generator.Load(weights);
        generator.Eval();
        return new GanModel(generator);
    }
}
