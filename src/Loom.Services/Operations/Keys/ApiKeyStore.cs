using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Loom.Core;
using Loom.Services.Operations.Storage;

namespace Loom.Services.Operations.Keys;

/// <summary>
/// Creates, lists, revokes and verifies API keys. A key is "loom-" + 32 random bytes (RandomNumberGenerator,
/// base64url); only its SHA-256 hash is stored. Verification hashes the presented key and compares it with every
/// active hash in constant time (CryptographicOperations.FixedTimeEquals, no early exit), so neither the SQL lookup
/// nor the comparison reveals how much of a guess was right.
/// </summary>
public sealed class ApiKeyStore
{
    public const string KeyPrefix = "loom-";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS loom_api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL,
            scopes TEXT NOT NULL,
            models TEXT NOT NULL,
            rpm INTEGER NULL,
            tpm INTEGER NULL,
            created_ms BIGINT NOT NULL,
            revoked_ms BIGINT NULL
        );
        """;

    private readonly OperationsDatabase _database;
    private readonly TimeProvider _time;
    private Task? _schema;

    public ApiKeyStore(OperationsDatabase database, TimeProvider? time = null)
    {
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Makes a key named <paramref name="name"/>; the returned secret is the only copy there will ever be.</summary>
    public async Task<CreatedApiKey> CreateAsync(string name, IReadOnlyList<string>? scopes = null, IReadOnlyList<string>? models = null,
        int? requestsPerMinute = null, int? tokensPerMinute = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrWhiteSpace(name)) throw LoomException.Argument("keys create: NAME must not be empty");
        scopes = scopes is { Count: > 0 } ? scopes : ApiKeyScopes.Default;
        foreach (string scope in scopes)
            if (!ApiKeyScopes.All.Contains(scope))
                throw LoomException.Argument($"keys create --scopes: unknown scope '{scope}'; expected one of {string.Join(", ", ApiKeyScopes.All)}");
        if (requestsPerMinute is <= 0) throw LoomException.Argument($"keys create --rpm: expected a positive number, found {requestsPerMinute}");
        if (tokensPerMinute is <= 0) throw LoomException.Argument($"keys create --tpm: expected a positive number, found {tokensPerMinute}");
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        if ((await ListAsync(cancellation).ConfigureAwait(false)).Any(k => !k.IsRevoked && k.Name == name))
            throw LoomException.Argument($"keys create: an active key named '{name}' exists; revoke it first or pick another name");

        string key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        string id = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var record = new ApiKeyRecord(id, name, [.. scopes], [.. models ?? []], requestsPerMinute, tokensPerMinute,
            TruncateToMs(_time.GetUtcNow()), null);
        await using var connection = await _database.OpenAsync(cancellation).ConfigureAwait(false);
        await OperationsDatabase.ExecuteAsync(connection,
            "INSERT INTO loom_api_keys (id, name, key_hash, scopes, models, rpm, tpm, created_ms, revoked_ms) VALUES (@id, @name, @hash, @scopes, @models, @rpm, @tpm, @created, NULL)",
            cancellation, null, ("@id", id), ("@name", name), ("@hash", Hash(key)), ("@scopes", string.Join(',', record.Scopes)),
            ("@models", string.Join(',', record.Models)), ("@rpm", requestsPerMinute), ("@tpm", tokensPerMinute),
            ("@created", record.Created.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return new CreatedApiKey(key, record);
    }

    /// <summary>Every key ever made (revoked ones too), oldest first. Never includes secrets or hashes.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellation = default) =>
        [.. (await ReadAllAsync(cancellation).ConfigureAwait(false)).Select(row => row.Record)];

    /// <summary>True when at least one key is active: then every request must carry one.</summary>
    public async Task<bool> AnyActiveAsync(CancellationToken cancellation = default) =>
        (await ListAsync(cancellation).ConfigureAwait(false)).Any(k => !k.IsRevoked);

    /// <summary>Revokes the key with this id or (active) name; an unknown one is an error naming it.</summary>
    public async Task<ApiKeyRecord> RevokeAsync(string idOrName, CancellationToken cancellation = default)
    {
        var keys = await ListAsync(cancellation).ConfigureAwait(false);
        var target = keys.FirstOrDefault(k => k.Id == idOrName) ?? keys.FirstOrDefault(k => k.Name == idOrName && !k.IsRevoked)
            ?? throw LoomException.Argument($"keys revoke: no key with id or name '{idOrName}' (known: {string.Join(", ", keys.Select(k => $"{k.Id} ({k.Name})"))})");
        if (target.IsRevoked) return target;
        var now = TruncateToMs(_time.GetUtcNow());
        await using var connection = await _database.OpenAsync(cancellation).ConfigureAwait(false);
        await OperationsDatabase.ExecuteAsync(connection, "UPDATE loom_api_keys SET revoked_ms = @now WHERE id = @id AND revoked_ms IS NULL",
            cancellation, null, ("@now", now.ToUnixTimeMilliseconds()), ("@id", target.Id)).ConfigureAwait(false);
        return target with { Revoked = now };
    }

    /// <summary>The active key whose hash matches <paramref name="presented"/>, or null. Compares against every active hash.</summary>
    public async Task<ApiKeyRecord?> VerifyAsync(string? presented, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(presented)) return null;
        byte[] hash = Encoding.ASCII.GetBytes(Hash(presented));
        ApiKeyRecord? found = null;
        foreach (var (record, storedHash) in await ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            bool same = CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(storedHash));
            if (same && !record.IsRevoked) found = record;
        }
        return found;
    }

    /// <summary>The stored form of a key: lowercase hex SHA-256 of its UTF-8 bytes.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private async Task<List<(ApiKeyRecord Record, string Hash)>> ReadAllAsync(CancellationToken cancellation)
    {
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellation).ConfigureAwait(false);
        await using var command = OperationsDatabase.Command(connection,
            "SELECT id, name, key_hash, scopes, models, rpm, tpm, created_ms, revoked_ms FROM loom_api_keys ORDER BY created_ms, id", null);
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var rows = new List<(ApiKeyRecord, string)>();
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            var record = new ApiKeyRecord(reader.GetString(0), reader.GetString(1), SplitList(reader.GetString(3)), SplitList(reader.GetString(4)),
                NullableInt(reader, 5), NullableInt(reader, 6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)));
            rows.Add((record, reader.GetString(2)));
        }
        return rows;
    }

    private Task EnsureSchemaAsync(CancellationToken cancellation) =>
        _schema ??= _database.EnsureSchemaAsync(Schema, cancellation);

    private static int? NullableInt(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : Convert.ToInt32(reader.GetValue(column));

    private static string[] SplitList(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static DateTimeOffset TruncateToMs(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
