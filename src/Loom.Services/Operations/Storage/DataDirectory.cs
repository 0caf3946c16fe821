namespace Loom.Services.Operations.Storage;

/// <summary>
/// The folder that holds a server's operations data: API keys, the audit log and prompt templates, all in one SQLite
/// file (loom.db) unless PostgreSQL is configured for audit and prompts. `--data DIR` picks it; the default is
/// ~/.loom (the user's profile folder), so `loom keys create` and `loom serve` find the same keys without flags.
/// </summary>
public static class DataDirectory
{
    public const string DatabaseFileName = "loom.db";

    /// <summary>The given folder, or ~/.loom when none is given; made absolute.</summary>
    public static string Resolve(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path)) return Path.GetFullPath(path);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".loom");
    }

    /// <summary>The SQLite database inside <paramref name="dataDirectory"/>.</summary>
    public static OperationsDatabase OpenSqlite(string? dataDirectory) =>
        OperationsDatabase.Sqlite(Path.Combine(Resolve(dataDirectory), DatabaseFileName));
}
