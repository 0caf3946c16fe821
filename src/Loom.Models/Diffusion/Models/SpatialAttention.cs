using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Models;

/// <summary>
/// Self-attention over the H·W positions of a feature map (used at low resolution, where it is cheap and lets
/// distant parts of the image agree): x + proj(attention(qkv(GN(x)))) with multi-head, non-causal attention.
/// </summary>
public sealed class SpatialAttention : Module
{
    private readonly GroupNorm _norm;
    private readonly Linear _qkv;
    private readonly Linear _projection;
    private readonly int _heads;

    public SpatialAttention(int channels, UNetConfig config, LoomRandom rng)
    {
        _norm = AddModule("norm", new GroupNorm(config.GroupsFor(channels), channels));
        _qkv = AddModule("qkv", new Linear(channels, 3 * channels, rng));
        _projection = AddModule("projection", new Linear(channels, channels, rng));
        _heads = channels % config.HeadChannels == 0 ? channels / config.HeadChannels : 1;
        Channels = channels;
    }

    public int Channels { get; }

    /// <summary>[n, C, H, W] → [n, C, H, W].</summary>
    public override Tensor Forward(Tensor x)
    {
        int n = x.Size(0), c = Channels, h = x.Size(2), w = x.Size(3), positions = h * w, headDim = c / _heads;
        var tokens = _norm.Forward(x).Reshape(n, c, positions).Transpose(1, 2);         // [n, HW, C]
        var qkv = _qkv.Forward(tokens);                                                 // [n, HW, 3C]
        Tensor Heads(int part) => qkv.Slice(2, part * c, c).Reshape(n, positions, _heads, headDim).Permute(0, 2, 1, 3);
        var attended = Ops.ScaledDotProductAttention(Heads(0), Heads(1), Heads(2), causal: false); // [n, heads, HW, d]
        var merged = attended.Permute(0, 2, 1, 3).Reshape(n, positions, c);             // [n, HW, C]
        var projected = _projection.Forward(merged).Transpose(1, 2).Reshape(n, c, h, w);
        return x + projected;
    }
}
