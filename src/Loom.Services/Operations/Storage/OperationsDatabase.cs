using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Loom.Services.Operations.Storage;

/// <summary>Which SQL engine a store talks to; the few statements that differ ask for it.</summary>
public enum SqlEngine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One relational store for the operations data (keys, audit records, prompt templates): SQLite in the data
/// directory by default, PostgreSQL when a connection string is configured so several server processes share it.
/// Both engines take the same statements with <c>@name</c> parameters; timestamps are stored as Unix milliseconds
/// (BIGINT) so no date type differs between them. Each call opens a pooled connection: both providers pool.
/// </summary>
public sealed class OperationsDatabase
{
    private readonly string _connectionString;

    private OperationsDatabase(SqlEngine engine, string connectionString, string description)
    {
        Engine = engine;
        _connectionString = connectionString;
        Description = description;
    }

    public SqlEngine Engine { get; }

    /// <summary>Where the data lives, for messages ("sqlite:/home/u/.loom/loom.db", "postgres:Host=…;Database=…").</summary>
    public string Description { get; }

    /// <summary>A SQLite file (created with its folder when missing).</summary>
    public static OperationsDatabase Sqlite(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Pooling keeps the WAL setting and avoids reopening the file per statement; a 5 s busy timeout lets two
        // processes that write at once wait for each other instead of failing with SQLITE_BUSY.
        var builder = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 5 };
        return new OperationsDatabase(SqlEngine.Sqlite, builder.ToString(), $"sqlite:{full}");
    }

    /// <summary>A PostgreSQL database (Npgsql connection string).</summary>
    public static OperationsDatabase Postgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new OperationsDatabase(SqlEngine.Postgres, connectionString, $"postgres:Host={builder.Host};Port={builder.Port};Database={builder.Database}");
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellation = default)
    {
        DbConnection connection = Engine == SqlEngine.Sqlite ? new SqliteConnection(_connectionString) : new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellation).ConfigureAwait(false);
        if (Engine == SqlEngine.Sqlite)
        {
            // WAL: readers never block the writer and two processes can share the file; set per connection
            // (cheap when already on) because a fresh pool may be the first to touch the file.
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;", cancellation).ConfigureAwait(false);
        }
        return connection;
    }

    /// <summary>
    /// Runs schema statements (CREATE … IF NOT EXISTS) once per store. PostgreSQL can still fail when two processes
    /// create the same table at the same instant (a unique violation on its catalog), so there the statements run
    /// under a transaction-scoped advisory lock: the second process waits and then finds the tables made.
    /// </summary>
    public async Task EnsureSchemaAsync(string schemaSql, CancellationToken cancellation = default)
    {
        await using var connection = await OpenAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        if (Engine == SqlEngine.Postgres)
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(7458210931)", cancellation, transaction).ConfigureAwait(false);
        await ExecuteAsync(connection, schemaSql, cancellation, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellation, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, sql, transaction, parameters);
        return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }

    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
