using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>
/// DCGAN's discriminator with spectral normalization on every layer: stride-2 4×4 convolutions (C → w → 2w → …)
/// down to 4×4, leaky ReLU after each, then one linear layer to a score per image (no sigmoid: the hinge loss
/// reads raw scores).
/// </summary>
public sealed class Discriminator : Module
{
    private readonly SpectralNormConv2d[] _down;
    private readonly SpectralNormLinear _head;
    private readonly int _top;
    private readonly float _slope;

    public Discriminator(GanConfig config, LoomRandom rng)
    {
        config.Validate();
        int levels = config.Levels;
        int[] widths = Enumerable.Range(0, levels).Select(i => config.Channels << i).ToArray();
        _top = widths[^1];
        _slope = config.LeakySlope;
        _down = new SpectralNormConv2d[levels];
        for (int i = 0; i < levels; i++)
            _down[i] = AddModule($"down{i}", new SpectralNormConv2d(i == 0 ? config.ImageChannels : widths[i - 1], widths[i], 4, rng, stride: 2, padding: 1));
        _head = AddModule("head", new SpectralNormLinear(_top * 16, 1, rng));
    }

    /// <summary>Images [n, C, S, S] → scores [n] (higher: more real).</summary>
    public override Tensor Forward(Tensor images)
    {
        var h = images;
        foreach (var conv in _down) h = Ops.LeakyRelu(conv.Forward(h), _slope);
        int n = images.Size(0);
        return _head.Forward(h.Reshape(n, _top * 16)).Reshape(n);
    }
}
