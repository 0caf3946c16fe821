using Loom.Services.Operations.Storage;

namespace Loom.Services.Operations.Audit;

/// <summary>
/// Audit records in the operations database (table loom_audit), SQLite or PostgreSQL. The schema is made on first
/// use; a batch is one transaction so a crash never leaves half of it.
/// </summary>
public sealed class SqlAuditSink(OperationsDatabase database) : IAuditSink
{
    private const string Columns = "time_ms, key_id, endpoint, model, prompt_tokens, completion_tokens, latency_ms, status, prompt, response, prompt_sha256, response_sha256, instance";

    private Task? _schema;

    public OperationsDatabase Database { get; } = database;

    public async Task WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellation = default)
    {
        if (records.Count == 0) return;
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        await using var connection = await Database.OpenAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        foreach (var r in records)
        {
            await OperationsDatabase.ExecuteAsync(connection,
                $"INSERT INTO loom_audit ({Columns}) VALUES (@time, @key, @endpoint, @model, @pt, @ct, @latency, @status, @prompt, @response, @ph, @rh, @instance)",
                cancellation, transaction,
                ("@time", r.Time.ToUnixTimeMilliseconds()), ("@key", r.KeyId), ("@endpoint", r.Endpoint), ("@model", r.Model),
                ("@pt", r.PromptTokens), ("@ct", r.CompletionTokens), ("@latency", r.LatencyMs), ("@status", r.Status),
                ("@prompt", r.Prompt), ("@response", r.Response), ("@ph", r.PromptSha256), ("@rh", r.ResponseSha256),
                ("@instance", r.Instance)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadRecentAsync(int limit, CancellationToken cancellation = default)
    {
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        await using var connection = await Database.OpenAsync(cancellation).ConfigureAwait(false);
        await using var command = OperationsDatabase.Command(connection,
            $"SELECT {Columns} FROM loom_audit ORDER BY id DESC LIMIT @limit", null, ("@limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var records = new List<AuditRecord>();
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            records.Add(new AuditRecord(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), Text(1), reader.GetString(2), Text(3),
                Convert.ToInt32(reader.GetValue(4)), Convert.ToInt32(reader.GetValue(5)), Convert.ToDouble(reader.GetValue(6)),
                Convert.ToInt32(reader.GetValue(7)), Text(8), Text(9), Text(10), Text(11), Text(12)));
        }
        return records;
    }

    private Task EnsureSchemaAsync(CancellationToken cancellation) => _schema ??= Database.EnsureSchemaAsync($"""
        CREATE TABLE IF NOT EXISTS loom_audit (
            id {(Database.Engine == SqlEngine.Postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT")},
            time_ms BIGINT NOT NULL,
            key_id TEXT NULL,
            endpoint TEXT NOT NULL,
            model TEXT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            latency_ms DOUBLE PRECISION NOT NULL,
            status INTEGER NOT NULL,
            prompt TEXT NULL,
            response TEXT NULL,
            prompt_sha256 TEXT NULL,
            response_sha256 TEXT NULL,
            instance TEXT NULL
        );
        """, cancellation);
}
