using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Models;

/// <summary>
/// The DDPM residual block: h = conv(SiLU(GN(x))); h += Linear(SiLU(emb)) per channel (the time and condition
/// signal); h = conv(SiLU(GN(h))); out = skip(x) + h, where skip is a 1×1 conv when the channel count changes.
/// </summary>
public sealed class ResidualBlock : Module
{
    private readonly GroupNorm _norm1;
    private readonly Conv2d _conv1;
    private readonly Linear _embedding;
    private readonly GroupNorm _norm2;
    private readonly Conv2d _conv2;
    private readonly Conv2d? _skip;

    public ResidualBlock(int inChannels, int outChannels, int embeddingDim, UNetConfig config, LoomRandom rng)
    {
        _norm1 = AddModule("norm1", new GroupNorm(config.GroupsFor(inChannels), inChannels));
        _conv1 = AddModule("conv1", new Conv2d(inChannels, outChannels, 3, rng, padding: 1));
        _embedding = AddModule("embedding", new Linear(embeddingDim, outChannels, rng));
        _norm2 = AddModule("norm2", new GroupNorm(config.GroupsFor(outChannels), outChannels));
        _conv2 = AddModule("conv2", new Conv2d(outChannels, outChannels, 3, rng, padding: 1));
        if (inChannels != outChannels) _skip = AddModule("skip", new Conv2d(inChannels, outChannels, 1, rng));
        OutChannels = outChannels;
    }

    public int OutChannels { get; }

    /// <param name="x">[n, in, H, W].</param>
    /// <param name="embedding">[n, embeddingDim], already through SiLU (the UNet applies it once for all blocks).</param>
    public Tensor Forward(Tensor x, Tensor embedding)
    {
        var h = _conv1.Forward(Ops.Silu(_norm1.Forward(x)));
        h = h + _embedding.Forward(embedding).Reshape(x.Size(0), OutChannels, 1, 1);
        h = _conv2.Forward(Ops.Silu(_norm2.Forward(h)));
        return (_skip?.Forward(x) ?? x) + h;
    }
}
