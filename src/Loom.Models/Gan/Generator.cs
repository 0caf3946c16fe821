using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>
/// DCGAN's generator: z → linear → a 4×4 map → stride-2 4×4 transposed convolutions doubling the side each level
/// (group norm + ReLU after each, standing in for DCGAN's batch norm, which would make a sample depend on its batch)
/// → C channels through tanh, in [−1, 1].
/// </summary>
public sealed class Generator : Module
{
    private readonly Linear _fromLatent;
    private readonly GroupNorm _topNorm;
    private readonly ConvTranspose2d[] _up;
    private readonly GroupNorm[] _norms;
    private readonly int _top;

    public Generator(GanConfig config, LoomRandom rng)
    {
        Config = config.Validate();
        int levels = config.Levels;
        int[] widths = Enumerable.Range(0, levels).Select(i => config.Channels << i).ToArray();
        _top = widths[^1];
        _fromLatent = AddModule("fromLatent", new Linear(config.Latent, _top * 16, rng));
        _topNorm = AddModule("topNorm", Norm(_top));
        _up = new ConvTranspose2d[levels];
        _norms = new GroupNorm[levels - 1];
        for (int i = levels - 1; i >= 0; i--)
        {
            int output = i == 0 ? config.ImageChannels : widths[i - 1];
            _up[i] = AddModule($"up{i}", new ConvTranspose2d(widths[i], output, 4, rng, stride: 2, padding: 1));
            if (i > 0) _norms[i - 1] = AddModule($"norm{i - 1}", Norm(output));
        }
    }

    public GanConfig Config { get; }

    /// <summary>z [n, latent] → images [n, C, S, S] in [−1, 1].</summary>
    public override Tensor Forward(Tensor z)
    {
        var h = Ops.Relu(_topNorm.Forward(_fromLatent.Forward(z).Reshape(z.Size(0), _top, 4, 4)));
        for (int i = _up.Length - 1; i > 0; i--) h = Ops.Relu(_norms[i - 1].Forward(_up[i].Forward(h)));
        return Ops.Tanh(_up[0].Forward(h));
    }

    // Eight groups where the width allows (GroupNorm's usual choice), else one (layer norm over the map).
    private static GroupNorm Norm(int channels) => new(channels % 8 == 0 ? 8 : 1, channels);
}
