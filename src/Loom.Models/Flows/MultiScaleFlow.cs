using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// A Glow-style multi-scale normalizing flow: an exact bijection between images in flow space ([N, C, H, W], values
/// in [−½, ½), see <see cref="Dequantization"/>) and latents z (one per level), with an exact log-likelihood by the
/// change of variables, log p(x) = Σ log p(z_l | kept channels) + log|det ∂z/∂x|.
/// </summary>
public sealed class MultiScaleFlow : Module
{
    private readonly FlowLevel[] _levels;

    public MultiScaleFlow(FlowConfig config, LoomRandom rng)
    {
        config.Validate();
        Config = config;
        _levels = new FlowLevel[config.Levels];
        int channels = config.Channels;
        for (int l = 0; l < config.Levels; l++)
        {
            _levels[l] = AddModule($"level{l}", new FlowLevel(channels, split: l < config.Levels - 1, config.StepsPerLevel, config.Hidden, rng, config.Coupling));
            channels = _levels[l].KeptChannels;
        }
        int scale = 1 << config.Levels;
        Top = AddModule("top", new TopPrior(channels, config.Height / scale, config.Width / scale));
    }

    public FlowConfig Config { get; }

    public IReadOnlyList<FlowLevel> Levels => _levels;

    /// <summary>The prior of the last latent.</summary>
    public TopPrior Top { get; }

    /// <summary>The latent shapes for <paramref name="batch"/> images, one per level, in <see cref="Encode"/>'s order.</summary>
    public int[][] LatentShapes(int batch)
    {
        var shapes = new int[_levels.Length][];
        int h = Config.Height, w = Config.Width;
        for (int l = 0; l < _levels.Length; l++)
        {
            h /= 2;
            w /= 2;
            var level = _levels[l];
            shapes[l] = [batch, level.Prior is null ? level.Channels : level.Channels - level.KeptChannels, h, w];
        }
        return shapes;
    }

    /// <summary>x → z with the log-determinant and the prior's log-density, per image (with the graph when gradients are on).</summary>
    public FlowEncoding Encode(Tensor x)
    {
        RequireImageShape(x, "encode");
        var latents = new Tensor[_levels.Length];
        var conditions = new Tensor?[_levels.Length];
        Tensor logDet = Tensor.Zeros(1), logPrior = Tensor.Zeros(1);
        for (int l = 0; l < _levels.Length; l++)
        {
            var level = _levels[l];
            var (y, levelLogDet) = level.Transform(x);
            logDet = Ops.Add(logDet, levelLogDet);
            if (level.Prior is { } prior)
            {
                var kept = y.Slice(1, 0, level.KeptChannels);
                var split = y.Slice(1, level.KeptChannels, level.Channels - level.KeptChannels);
                logPrior = Ops.Add(logPrior, prior.LogProbability(split, kept));
                (latents[l], conditions[l]) = (split, kept);
                x = kept;
            }
            else
            {
                logPrior = Ops.Add(logPrior, Top.LogProbability(y));
                latents[l] = y;
            }
        }
        return new FlowEncoding(latents, conditions, logDet, logPrior);
    }

    /// <summary>log p(x) per image in nats ([N]) for x in flow space: the density the flow assigns there.</summary>
    public Tensor LogLikelihood(Tensor x)
    {
        var encoding = Encode(x);
        return Ops.Add(encoding.LogDet, encoding.LogPrior);
    }

    /// <summary>z → x exactly: the inverse of <see cref="Encode"/> given its latents (no gradients).</summary>
    public Tensor Decode(IReadOnlyList<Tensor> latents)
    {
        if (latents.Count != _levels.Length)
            throw LoomException.Argument($"flow decode: expected {_levels.Length} latents (one per level), found {latents.Count}");
        using var _ = GradMode.NoGrad();
        Tensor x = latents[^1];
        for (int l = _levels.Length - 1; l >= 0; l--)
        {
            if (l < _levels.Length - 1) x = Ops.Concat([x, latents[l]], 1);
            x = _levels[l].Inverse(x);
        }
        return x;
    }

    /// <summary>
    /// Draws <paramref name="count"/> images in flow space: the top latent from its prior, then level by level down,
    /// each split-off latent from its prior given the channels above it. <paramref name="temperature"/> scales every σ.
    /// </summary>
    public Tensor Sample(int count, float temperature, LoomRandom rng)
    {
        if (count < 1) throw LoomException.Argument($"flow sample: count must be at least 1, found {count}");
        if (!(temperature >= 0) || float.IsInfinity(temperature))
            throw LoomException.Argument($"flow sample: temperature must be a finite number ≥ 0, found {temperature}");
        using var _ = GradMode.NoGrad();
        var shapes = LatentShapes(count);
        Tensor x = Top.Sample(shapes[^1], null, temperature, rng);
        for (int l = _levels.Length - 1; l >= 0; l--)
        {
            var level = _levels[l];
            if (level.Prior is { } prior) x = Ops.Concat([x, prior.Sample(shapes[l], x, temperature, rng)], 1);
            x = level.Inverse(x);
        }
        return x;
    }

    /// <summary>Data-dependent init of every ActNorm from one batch (a forward pass without gradients; each ActNorm sees its own input).</summary>
    public void Initialize(Tensor x)
    {
        using var _ = GradMode.NoGrad();
        Encode(x);
    }

    private void RequireImageShape(Tensor x, string op)
    {
        if (x.Rank != 4 || x.Size(1) != Config.Channels || x.Size(2) != Config.Height || x.Size(3) != Config.Width)
            throw LoomException.Shape($"flow {op}",
                $"expected images [N, {Config.Channels}, {Config.Height}, {Config.Width}], found {ShapeUtil.Format(x.Shape)}");
    }
}

/// <summary>
/// What <see cref="MultiScaleFlow.Encode"/> returns: one latent per level, the kept channels each split prior was
/// conditioned on (null at the last level), log|det ∂z/∂x| and Σ log p(z), each [N] (or [1] when equal for all).
/// </summary>
public sealed record FlowEncoding(IReadOnlyList<Tensor> Latents, IReadOnlyList<Tensor?> Conditions, Tensor LogDet, Tensor LogPrior);
