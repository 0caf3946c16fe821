using System.Data.Common;
using System.Text.Json;
using Loom.Core;
using Loom.Services.Operations.Storage;

namespace Loom.Services.Operations.Prompts;

/// <summary>
/// Versioned prompt templates in the operations database (table loom_prompts). Creating under an existing id adds
/// version max+1; (id, version) is the primary key, so two processes creating at once cannot both take the same
/// number — the loser retries with the next one. Versions are never changed or deleted.
/// </summary>
public sealed class PromptStore(OperationsDatabase database, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private Task? _schema;

    public OperationsDatabase Database { get; } = database;

    /// <summary>Stores a new version of <paramref name="id"/> (version 1 when the id is new) and returns it.</summary>
    public async Task<PromptTemplate> CreateAsync(string id, IReadOnlyList<PromptMessage> messages, string? description = null, CancellationToken cancellation = default)
    {
        ValidateId(id);
        if (messages.Count == 0) throw LoomException.Argument($"prompt '{id}': a template needs at least one message");
        foreach (var m in messages)
            if (m.Role is not ("system" or "user" or "assistant"))
                throw LoomException.Argument($"prompt '{id}': message role must be system, user or assistant, found '{m.Role}'");
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        string json = JsonSerializer.Serialize(messages.Select(m => new[] { m.Role, m.Content }));
        var created = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        for (int attempt = 0; ; attempt++)
        {
            await using var connection = await Database.OpenAsync(cancellation).ConfigureAwait(false);
            try
            {
                // One statement picks the next number and inserts it, so the window for a clash is tiny; the key catches the rest.
                await using var command = OperationsDatabase.Command(connection,
                    "INSERT INTO loom_prompts (id, version, messages, description, created_ms) " +
                    "SELECT CAST(@id AS TEXT), COALESCE(MAX(version), 0) + 1, CAST(@messages AS TEXT), CAST(@description AS TEXT), @created FROM loom_prompts WHERE id = @id RETURNING version",
                    null, ("@id", id), ("@messages", json), ("@description", description), ("@created", created.ToUnixTimeMilliseconds()));
                int version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false));
                return new PromptTemplate(id, version, [.. messages], description, created);
            }
            catch (DbException) when (attempt < 5)
            {
                await Task.Delay(20 * (attempt + 1), cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The latest version of every template, by id.</summary>
    public async Task<IReadOnlyList<PromptTemplate>> ListAsync(CancellationToken cancellation = default) =>
        await QueryAsync("SELECT p.id, p.version, p.messages, p.description, p.created_ms FROM loom_prompts p " +
            "WHERE p.version = (SELECT MAX(q.version) FROM loom_prompts q WHERE q.id = p.id) ORDER BY p.id", cancellation).ConfigureAwait(false);

    /// <summary>Every version of <paramref name="id"/>, oldest first (empty when unknown).</summary>
    public async Task<IReadOnlyList<PromptTemplate>> VersionsAsync(string id, CancellationToken cancellation = default) =>
        await QueryAsync("SELECT id, version, messages, description, created_ms FROM loom_prompts WHERE id = @id ORDER BY version", cancellation,
            ("@id", id)).ConfigureAwait(false);

    /// <summary>Version <paramref name="version"/> of <paramref name="id"/> (the latest when null); an unknown one is an error naming what exists.</summary>
    public async Task<PromptTemplate> GetAsync(string id, int? version = null, CancellationToken cancellation = default)
    {
        var versions = await VersionsAsync(id, cancellation).ConfigureAwait(false);
        if (versions.Count == 0) throw new PromptNotFoundException($"prompt '{id}' does not exist");
        if (version is null) return versions[^1];
        return versions.FirstOrDefault(v => v.Version == version)
            ?? throw new PromptNotFoundException($"prompt '{id}' has no version {version} (versions 1..{versions[^1].Version})");
    }

    /// <summary>Renders version <paramref name="version"/> (or the latest) with <paramref name="variables"/>.</summary>
    public async Task<IReadOnlyList<PromptMessage>> RenderAsync(string id, int? version, IReadOnlyDictionary<string, string> variables, CancellationToken cancellation = default) =>
        PromptRenderer.Render(await GetAsync(id, version, cancellation).ConfigureAwait(false), variables);

    private async Task<IReadOnlyList<PromptTemplate>> QueryAsync(string sql, CancellationToken cancellation, params (string, object?)[] parameters)
    {
        await EnsureSchemaAsync(cancellation).ConfigureAwait(false);
        await using var connection = await Database.OpenAsync(cancellation).ConfigureAwait(false);
        await using var command = OperationsDatabase.Command(connection, sql, null, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var templates = new List<PromptTemplate>();
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            var pairs = JsonSerializer.Deserialize<string[][]>(reader.GetString(2)) ?? [];
            templates.Add(new PromptTemplate(reader.GetString(0), Convert.ToInt32(reader.GetValue(1)),
                [.. pairs.Select(p => new PromptMessage(p[0], p[1]))], reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        return templates;
    }

    private static void ValidateId(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 128 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw LoomException.Argument($"prompt id: expected 1-128 letters, digits, '_', '-' or '.', found '{id}'");
    }

    private Task EnsureSchemaAsync(CancellationToken cancellation) => _schema ??= Database.EnsureSchemaAsync("""
        CREATE TABLE IF NOT EXISTS loom_prompts (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            messages TEXT NOT NULL,
            description TEXT NULL,
            created_ms BIGINT NOT NULL,
            PRIMARY KEY (id, version)
        );
        """, cancellation);
}

/// <summary>A prompt id or version that does not exist (the server answers 404).</summary>
public sealed class PromptNotFoundException(string message) : Exception(message);
