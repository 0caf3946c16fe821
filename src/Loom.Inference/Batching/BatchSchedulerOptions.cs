using Loom.Core;

namespace Loom.Inference.Batching;

/// <summary>Limits of a <see cref="BatchScheduler"/>.</summary>
public sealed record BatchSchedulerOptions
{
    /// <summary>Most sequences decoding together (each holds a KV cache); later requests wait in line.</summary>
    public int MaxSequences { get; init; } = 16;

    /// <summary>
    /// Prompt tokens read between two decode steps, so running streams keep flowing while long prompts are read:
    /// each prompt is read in chunks of this many tokens (the same for every request whatever the load, so a
    /// prompt's arithmetic, and a seeded request's output, never depends on what else is running), and one prefill
    /// pass takes the chunks of as many waiting prompts as fit in this many tokens together.
    /// </summary>
    public int PrefillChunk { get; init; } = 256;

    /// <summary>Finished sequences' sessions (and their KV caches) kept for reuse.</summary>
    public int PooledSessions { get; init; } = 16;

    public BatchSchedulerOptions Validate()
    {
        if (MaxSequences < 1) throw LoomException.Argument($"BatchSchedulerOptions.MaxSequences must be at least 1, found {MaxSequences}");
        if (PrefillChunk < 1) throw LoomException.Argument($"BatchSchedulerOptions.PrefillChunk must be at least 1, found {PrefillChunk}");
        if (PooledSessions < 0) throw LoomException.Argument($"BatchSchedulerOptions.PooledSessions must be 0 or more, found {PooledSessions}");
        return this;
    }
}
