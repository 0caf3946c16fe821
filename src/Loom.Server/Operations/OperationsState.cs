using Loom.Services.Operations;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Cache;
using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Limits;
using Loom.Services.Operations.Prompts;
using Loom.Services.Operations.Storage;

namespace Loom.Server.Operations;

/// <summary>
/// The operations layer of one server process: keys (always the SQLite file in the data directory), audit and prompts
/// (that file too, or PostgreSQL when configured), the rate limiter, the response cache and the wrapper pipeline.
/// A singleton; disposing it (the host does on shutdown) flushes the audit queue.
/// </summary>
public sealed class OperationsState : IAsyncDisposable
{
    public OperationsState(OperationsOptions options, TimeProvider? time = null)
    {
        Options = options;
        var local = DataDirectory.OpenSqlite(options.DataDirectory);
        var shared = options.PostgresConnectionString is { } pg ? OperationsDatabase.Postgres(pg) : local;
        Keys = new ApiKeyStore(local, time);
        Prompts = new PromptStore(shared, time);
        AuditSink = new SqlAuditSink(shared);
        Audit = new AuditWriter(AuditSink, options.AuditContent);
        Limiter = new RateLimiter(time);
        Cache = options.CacheEnabled ? new ResponseCache(options.CacheMaxEntries, options.CacheMaxBytes) : null;
        if (Cache is not null) Telemetry.ResponseCacheMetrics.Track(Cache);
        Pipeline = new ChatPipeline(Limiter, options.DefaultLimits, Cache, Audit, time);
    }

    public OperationsOptions Options { get; }

    public ApiKeyStore Keys { get; }

    public PromptStore Prompts { get; }

    public SqlAuditSink AuditSink { get; }

    public AuditWriter Audit { get; }

    public RateLimiter Limiter { get; }

    public ResponseCache? Cache { get; }

    public ChatPipeline Pipeline { get; }

    public ValueTask DisposeAsync() => Audit.DisposeAsync();
}
