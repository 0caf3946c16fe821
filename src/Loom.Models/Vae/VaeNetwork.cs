using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Vae;

/// <summary>
/// The VAE's encoder and decoder. Encoder: stride-2 4×4 convolutions (C → w → 2w → …) down to 4×4, SiLU after each,
/// then one linear layer to the posterior's mean and log-variance. Decoder: the mirror — linear to a 4×4 map, stride-2
/// transposed convolutions back up, the last one producing 2C channels: each subpixel's logistic mean and log scale.
/// </summary>
public sealed class VaeNetwork : Module
{
    private readonly Conv2d[] _down;
    private readonly ConvTranspose2d[] _up;
    private readonly Linear _toPosterior;
    private readonly Linear _fromLatent;
    private readonly int _top;

    public VaeNetwork(VaeConfig config, LoomRandom rng)
    {
        Config = config.Validate();
        int levels = config.Levels;
        int[] widths = Enumerable.Range(0, levels).Select(i => config.Channels << i).ToArray();
        _top = widths[^1];
        _down = new Conv2d[levels];
        for (int i = 0; i < levels; i++)
            _down[i] = AddModule($"down{i}", new Conv2d(i == 0 ? config.ImageChannels : widths[i - 1], widths[i], 4, rng, stride: 2, padding: 1));
        _toPosterior = AddModule("toPosterior", new Linear(_top * 16, 2 * config.Latent, rng));
        _fromLatent = AddModule("fromLatent", new Linear(config.Latent, _top * 16, rng));
        _up = new ConvTranspose2d[levels];
        for (int i = levels - 1; i >= 0; i--)
            _up[i] = AddModule($"up{i}", new ConvTranspose2d(widths[i], i == 0 ? 2 * config.ImageChannels : widths[i - 1], 4, rng, stride: 2, padding: 1));
    }

    public VaeConfig Config { get; }

    /// <summary>x [n, C, S, S] in [−1, 1] → the posterior's mean and log-variance, each [n, latent].</summary>
    public (Tensor Mean, Tensor LogVariance) Encode(Tensor x)
    {
        var h = x;
        foreach (var conv in _down) h = Ops.Silu(conv.Forward(h));
        var stats = _toPosterior.Forward(h.Reshape(h.Size(0), _top * 16));
        var parts = Ops.Chunk(stats, 2, 1);
        return (parts[0], parts[1]);
    }

    /// <summary>z [n, latent] → each subpixel's logistic mean and log scale (floored at MinLogScale), each [n, C, S, S].</summary>
    public (Tensor Mean, Tensor LogScale) Decode(Tensor z)
    {
        var h = Ops.Silu(_fromLatent.Forward(z)).Reshape(z.Size(0), _top, 4, 4);
        for (int i = _up.Length - 1; i > 0; i--) h = Ops.Silu(_up[i].Forward(h));
        var parts = Ops.Chunk(_up[0].Forward(h), 2, 1);
        return (parts[0], Ops.Clamp(parts[1], Config.MinLogScale, 10f));
    }
}
