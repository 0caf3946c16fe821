using Loom.Inference.Batching;

namespace Loom.Services.Local;

/// <summary>Settings of a <see cref="LocalModelCatalog"/>.</summary>
public sealed record LocalModelCatalogOptions
{
    /// <summary>The folder holding .gguf files and Loom model directories (one level deep).</summary>
    public required string Directory { get; init; }

    /// <summary>A loaded model nobody has leased for this long is unloaded (memory-mapped weights unmapped, KV caches
    /// freed). A leased model is never unloaded.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the catalog looks for idle models; null: only when <see cref="LocalModelCatalog.UnloadIdle"/>
    /// is called.</summary>
    public TimeSpan? SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Continuous-batching limits for each GGUF model.</summary>
    public BatchSchedulerOptions Batching { get; init; } = new();

    /// <summary>Context length GGUF models are loaded with instead of the file's (their KV caches grow to it);
    /// null keeps each file's own.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Builds per-request token constraints (by default response_format json_object / json_schema); null: requests run unconstrained.</summary>
    public TokenConstraintFactory? Constraints { get; init; } = ResponseFormatConstraints.Create;

    /// <summary>The clock idle times are measured with (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
