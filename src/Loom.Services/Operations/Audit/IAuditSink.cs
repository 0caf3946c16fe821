namespace Loom.Services.Operations.Audit;

/// <summary>Where audit records end up (SQLite or PostgreSQL through <see cref="SqlAuditSink"/>, or a test double).</summary>
public interface IAuditSink
{
    /// <summary>Stores a batch (one transaction where the store has them).</summary>
    Task WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellation = default);

    /// <summary>The newest <paramref name="limit"/> records, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadRecentAsync(int limit, CancellationToken cancellation = default);
}
