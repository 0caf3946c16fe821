using Loom.Core;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Models;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion;

/// <summary>
/// Everything a diffusion model trains, as one module (so the trainer's optimizer, EMA and checkpoints cover it
/// all): the UNet, and for a conditional model the caption encoder and the learned null condition that stands for
/// "no caption" (classifier-free guidance's unconditional branch, and images without a caption).
/// </summary>
public sealed class DiffusionNetwork : Module
{
    private readonly Parameter? _nullCondition;

    public DiffusionNetwork(DiffusionConfig config, int vocabularySize, LoomRandom rng)
    {
        Config = config.Validate("diffusion");
        Unet = AddModule("unet", new UNet(config.Unet, rng));
        if (!config.IsConditional) return;
        Captions = AddModule("captions", new CaptionEncoder(vocabularySize, config.WordDim, config.Unet.EmbeddingDim, rng));
        _nullCondition = AddParameter("nullCondition", Tensor.Zeros(config.Unet.EmbeddingDim));
    }

    public DiffusionConfig Config { get; }

    public UNet Unet { get; }

    public CaptionEncoder? Captions { get; }

    /// <summary>
    /// Condition vectors [n, EmbeddingDim] for n captions given as word ids; a null entry gets the null condition.
    /// Null for an unconditional model.
    /// </summary>
    public Tensor? Condition(IReadOnlyList<int[]?> captions)
    {
        if (Captions is null || _nullCondition is null) return null;
        int n = captions.Count, dim = Config.Unet.EmbeddingDim;
        var keep = new float[n];
        for (int i = 0; i < n; i++) keep[i] = captions[i] is null ? 0f : 1f;
        var nullRows = Ops.Mul(_nullCondition.Value.Reshape(1, dim), new Tensor(keep.Select(k => 1 - k).ToArray(), n, 1));
        if (keep.All(k => k == 0)) return nullRows;
        var encoded = Captions.Forward(captions.Select(c => c ?? []).ToArray());
        return Ops.Mul(encoded, new Tensor(keep, n, 1)) + nullRows;
    }

    /// <summary>ε̂ for <paramref name="x"/> [n, C, H, W] at one timestep per image, with condition vectors or null.</summary>
    public Tensor PredictNoise(Tensor x, ReadOnlySpan<int> timesteps, Tensor? condition) => Unet.Forward(x, timesteps, condition);
}
