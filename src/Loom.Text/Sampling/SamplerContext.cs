using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>The per-sequence state the steps read: the random stream and the recent-token history.</summary>
public sealed class SamplerContext(LoomRandom random, TokenHistory history)
{
    public LoomRandom Random { get; internal set; } = random;

    public TokenHistory History { get; } = history;
}
