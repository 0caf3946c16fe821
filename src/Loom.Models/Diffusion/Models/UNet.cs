using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Models;

/// <summary>
/// The noise predictor ε_θ(x_t, t, c): a UNet (Ronneberger et al.; the DDPM variant) of residual blocks with
/// group norm, a sinusoidal time embedding through an MLP to which the condition vector is added, strided-conv
/// downsampling and nearest-neighbour + conv upsampling, skip connections that concatenate each down block's output
/// to the matching up block's input, and self-attention at the configured low resolutions and in the middle.
/// </summary>
public sealed class UNet : Module
{
    private readonly TimestepEmbedding _time;
    private readonly Conv2d _input;
    private readonly List<(ResidualBlock Block, SpatialAttention? Attention)>[] _down;
    private readonly Conv2d?[] _downsample;
    private readonly ResidualBlock _middle1;
    private readonly SpatialAttention _middleAttention;
    private readonly ResidualBlock _middle2;
    private readonly List<(ResidualBlock Block, SpatialAttention? Attention)>[] _up;
    private readonly Conv2d?[] _upsample;
    private readonly GroupNorm _outputNorm;
    private readonly Conv2d _output;

    public UNet(UNetConfig config, LoomRandom rng)
    {
        Config = config.Validate("unet");
        int levels = config.ChannelMultipliers.Length, embeddingDim = config.EmbeddingDim;
        _time = AddModule("time", new TimestepEmbedding(config.BaseChannels, embeddingDim, rng));
        _input = AddModule("input", new Conv2d(config.ImageChannels, config.BaseChannels, 3, rng, padding: 1));

        bool Attends(int level) => config.AttentionResolutions.Contains(config.Resolution(level));
        _down = new List<(ResidualBlock, SpatialAttention?)>[levels];
        _downsample = new Conv2d?[levels];
        int channels = config.BaseChannels;
        var skipChannels = new Stack<int>();
        for (int level = 0; level < levels; level++)
        {
            _down[level] = [];
            for (int b = 0; b < config.BlocksPerLevel; b++)
            {
                var block = AddModule($"down{level}block{b}", new ResidualBlock(channels, config.Channels(level), embeddingDim, config, rng));
                channels = config.Channels(level);
                var attention = Attends(level) ? AddModule($"down{level}attention{b}", new SpatialAttention(channels, config, rng)) : null;
                _down[level].Add((block, attention));
                skipChannels.Push(channels);
            }
            if (level < levels - 1)
                _downsample[level] = AddModule($"down{level}sample", new Conv2d(channels, channels, 3, rng, stride: 2, padding: 1));
        }

        _middle1 = AddModule("middle1", new ResidualBlock(channels, channels, embeddingDim, config, rng));
        _middleAttention = AddModule("middleAttention", new SpatialAttention(channels, config, rng));
        _middle2 = AddModule("middle2", new ResidualBlock(channels, channels, embeddingDim, config, rng));

        _up = new List<(ResidualBlock, SpatialAttention?)>[levels];
        _upsample = new Conv2d?[levels];
        for (int level = levels - 1; level >= 0; level--)
        {
            _up[level] = [];
            for (int b = 0; b < config.BlocksPerLevel; b++)
            {
                int input = channels + skipChannels.Pop();
                var block = AddModule($"up{level}block{b}", new ResidualBlock(input, config.Channels(level), embeddingDim, config, rng));
                channels = config.Channels(level);
                var attention = Attends(level) ? AddModule($"up{level}attention{b}", new SpatialAttention(channels, config, rng)) : null;
                _up[level].Add((block, attention));
            }
            if (level > 0) _upsample[level] = AddModule($"up{level}sample", new Conv2d(channels, channels, 3, rng, padding: 1));
        }

        _outputNorm = AddModule("outputNorm", new GroupNorm(config.GroupsFor(channels), channels));
        _output = AddModule("output", new Conv2d(channels, config.ImageChannels, 3, rng, padding: 1));
    }

    public UNetConfig Config { get; }

    /// <summary>
    /// ε̂ for noisy images <paramref name="x"/> [n, C, H, W] at <paramref name="timesteps"/> (one per image), with an
    /// optional condition vector per image [n, EmbeddingDim] added to the time embedding. Returns [n, C, H, W].
    /// </summary>
    public Tensor Forward(Tensor x, ReadOnlySpan<int> timesteps, Tensor? condition = null)
    {
        int n = x.Size(0);
        if (x.Rank != 4 || x.Size(1) != Config.ImageChannels || x.Size(2) != Config.ImageSize || x.Size(3) != Config.ImageSize)
            throw LoomException.Shape("unet", $"expected images [n, {Config.ImageChannels}, {Config.ImageSize}, {Config.ImageSize}], found {ShapeUtil.Format(x.Shape)}");
        if (timesteps.Length != n) throw LoomException.Shape("unet", $"{n} images but {timesteps.Length} timesteps");
        var embedding = _time.Forward(timesteps);
        if (condition is not null)
        {
            if (condition.Rank != 2 || condition.Size(0) != n || condition.Size(1) != Config.EmbeddingDim)
                throw LoomException.Shape("unet", $"condition must be [{n}, {Config.EmbeddingDim}], found {ShapeUtil.Format(condition.Shape)}");
            embedding = embedding + condition;
        }
        embedding = Ops.Silu(embedding); // every block's projection starts with SiLU: done once here

        var h = _input.Forward(x);
        var skips = new Stack<Tensor>();
        for (int level = 0; level < _down.Length; level++)
        {
            foreach (var (block, attention) in _down[level])
            {
                h = block.Forward(h, embedding);
                if (attention is not null) h = attention.Forward(h);
                skips.Push(h);
            }
            if (_downsample[level] is { } downsample) h = downsample.Forward(h);
        }

        h = _middle2.Forward(_middleAttention.Forward(_middle1.Forward(h, embedding)), embedding);

        for (int level = _up.Length - 1; level >= 0; level--)
        {
            foreach (var (block, attention) in _up[level])
            {
                h = block.Forward(Ops.Concat([h, skips.Pop()], 1), embedding);
                if (attention is not null) h = attention.Forward(h);
            }
            if (_upsample[level] is { } upsample) h = upsample.Forward(Ops.UpsampleNearest2d(h, 2));
        }
        return _output.Forward(Ops.Silu(_outputNorm.Forward(h)));
    }
}
