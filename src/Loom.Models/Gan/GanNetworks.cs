using Loom.Core;
using Loom.Nn;

namespace Loom.Models.Gan;

/// <summary>
/// What a GAN run trains and checkpoints as one state dict: the generator, the discriminator (with its power-iteration
/// vectors) and the generator's exponential moving average, which is the model that is saved and sampled.
/// </summary>
public sealed class GanNetworks : Module
{
    public GanNetworks(GanConfig config, LoomRandom rng)
    {
        Config = config.Validate();
        Generator = AddModule("generator", new Generator(config, rng));
        Discriminator = AddModule("discriminator", new Discriminator(config, rng));
        // The average starts as the initial generator (same weights), as Ema does.
        AverageGenerator = AddModule("averageGenerator", new Generator(config, new LoomRandom(0)));
        AverageGenerator.LoadStateDict(Generator.StateDict(), source: "initial generator");
    }

    public GanConfig Config { get; }
    public Generator Generator { get; }
    public Discriminator Discriminator { get; }
    public Generator AverageGenerator { get; }

    /// <summary>
    /// Folds the generator into the average after generator step <paramref name="step"/> (1-based). The decay ramps
    /// up as min(decay, (1 + t)/(10 + t)), so a short run's average is not dominated by the random initial weights.
    /// </summary>
    public void UpdateAverage(long step)
    {
        float decay = Math.Min(Config.EmaDecay, (1f + step) / (10f + step));
        var live = Generator.Parameters().ToArray();
        var average = AverageGenerator.Parameters().ToArray();
        for (int i = 0; i < live.Length; i++)
        {
            var shadow = average[i].Data;
            System.Numerics.Tensors.TensorPrimitives.Multiply(shadow, decay, shadow);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(live[i].Data, 1 - decay, shadow, shadow);
        }
    }
}
