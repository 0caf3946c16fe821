using Loom.Core;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Limits;
using Loom.Services.Remote;
using Microsoft.Extensions.Configuration;

namespace Loom.Server.Operations;

/// <summary>
/// What the operations layer reads from configuration (appsettings.json, LOOM_ environment variables, flags):
/// Server:Data (data directory), Server:Host and Server:NoAuth (the loopback rule), Audit:Content (full|hash|none),
/// RateLimits:RequestsPerMinute / RateLimits:TokensPerMinute (defaults for keys without their own), Cache:Enabled /
/// Cache:MaxEntries / Cache:MaxBytes, ConnectionStrings:Postgres (audit and prompts in PostgreSQL) and
/// Remote:Models:{name}:{Endpoint,ApiKey,Model,ContextLength}.
/// </summary>
public sealed record OperationsOptions(
    string? DataDirectory,
    string Host,
    bool NoAuth,
    AuditContentMode AuditContent,
    RateLimitPolicy DefaultLimits,
    bool CacheEnabled,
    int CacheMaxEntries,
    long CacheMaxBytes,
    string? PostgresConnectionString,
    IReadOnlyList<RemoteModelOptions> Remotes)
{
    public static OperationsOptions From(IConfiguration config)
    {
        var remotes = new List<RemoteModelOptions>();
        foreach (var model in config.GetSection("Remote:Models").GetChildren())
            remotes.Add(RemoteModelOptions.Parse(model.Key, model["Endpoint"], model["ApiKey"], model["Model"], Int(config, $"Remote:Models:{model.Key}:ContextLength")));
        string? postgres = config.GetConnectionString("Postgres");
        return new OperationsOptions(
            config["Server:Data"],
            config["Server:Host"] ?? "127.0.0.1",
            Bool(config, "Server:NoAuth"),
            Services.Operations.Audit.AuditContent.Parse(config["Audit:Content"]),
            new RateLimitPolicy(Positive(config, "RateLimits:RequestsPerMinute"), Positive(config, "RateLimits:TokensPerMinute")),
            config["Cache:Enabled"] is null || Bool(config, "Cache:Enabled"),
            Positive(config, "Cache:MaxEntries") ?? 1024,
            Positive(config, "Cache:MaxBytes") ?? 64L << 20,
            string.IsNullOrWhiteSpace(postgres) ? null : postgres,
            remotes);
    }

    private static bool Bool(IConfiguration config, string key) => config[key] switch
    {
        null or "" => false,
        var text when bool.TryParse(text, out bool value) => value,
        var text => throw LoomException.Argument($"{key}: expected true or false, found '{text}'"),
    };

    private static int? Int(IConfiguration config, string key) => config[key] switch
    {
        null or "" => null,
        var text when int.TryParse(text, out int value) => value,
        var text => throw LoomException.Argument($"{key}: expected a whole number, found '{text}'"),
    };

    private static int? Positive(IConfiguration config, string key) => Int(config, key) switch
    {
        null => null,
        > 0 and var value => value,
        var value => throw LoomException.Argument($"{key}: expected a positive number, found {value}"),
    };
}
