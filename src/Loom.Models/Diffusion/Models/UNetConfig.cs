using Loom.Core;

namespace Loom.Models.Diffusion.Models;

/// <summary>
/// The UNet's shape. Defaults suit 32×32 images on a CPU: three levels (32, 16, 8 px) of 32/64/64 channels, one
/// residual block per level, self-attention at 8×8 — about 1.2 M weights, small enough for thousands of steps
/// in half an hour on two cores.
/// </summary>
public sealed record UNetConfig
{
    /// <summary>Image channels in and out (3 RGB, 4 RGBA).</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Square image side; fixes which levels are at an attention resolution.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Channels of the first level; level i has BaseChannels·ChannelMultipliers[i].</summary>
    public int BaseChannels { get; init; } = 32;

    /// <summary>One entry per resolution level; each level after the first halves the side.</summary>
    public int[] ChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>Image sides (in pixels) whose levels get self-attention; the middle block always has it.</summary>
    public int[] AttentionResolutions { get; init; } = [8];

    /// <summary>Residual blocks per level on the way down (the way up has the same number).</summary>
    public int BlocksPerLevel { get; init; } = 1;

    /// <summary>Group-norm groups (reduced to a divisor of a layer's channels where needed).</summary>
    public int NormGroups { get; init; } = 8;

    /// <summary>Channels per attention head.</summary>
    public int HeadChannels { get; init; } = 32;

    /// <summary>Width of the time (and condition) embedding: 4× the base channels, as in the DDPM UNet.</summary>
    public int EmbeddingDim => 4 * BaseChannels;

    /// <summary>Throws a LoomException naming the first field that cannot work.</summary>
    public UNetConfig Validate(string source)
    {
        if (ImageChannels < 1) throw LoomException.Argument($"{source}: imageChannels must be positive, found {ImageChannels}");
        if (BaseChannels < 4) throw LoomException.Argument($"{source}: channels must be at least 4, found {BaseChannels}");
        if (ChannelMultipliers.Length < 1 || ChannelMultipliers.Any(m => m < 1))
            throw LoomException.Argument($"{source}: mults must be positive integers, found [{string.Join(",", ChannelMultipliers)}]");
        int divisor = 1 << (ChannelMultipliers.Length - 1);
        if (ImageSize < 1 || ImageSize % divisor != 0)
            throw LoomException.Argument($"{source}: image size {ImageSize} must be divisible by {divisor} for {ChannelMultipliers.Length} levels");
        if (BlocksPerLevel < 1) throw LoomException.Argument($"{source}: blocks must be at least 1, found {BlocksPerLevel}");
        if (NormGroups < 1) throw LoomException.Argument($"{source}: normGroups must be positive, found {NormGroups}");
        if (HeadChannels < 1) throw LoomException.Argument($"{source}: headChannels must be positive, found {HeadChannels}");
        return this;
    }

    /// <summary>Channels at level <paramref name="level"/>.</summary>
    public int Channels(int level) => BaseChannels * ChannelMultipliers[level];

    /// <summary>The image side at level <paramref name="level"/>.</summary>
    public int Resolution(int level) => ImageSize >> level;

    /// <summary>Group count for a norm over <paramref name="channels"/>: the largest divisor not above NormGroups.</summary>
    public int GroupsFor(int channels)
    {
        for (int g = Math.Min(NormGroups, channels); g > 1; g--)
            if (channels % g == 0) return g;
        return 1;
    }
}
