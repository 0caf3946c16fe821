using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Storage;
using static Loom.IntegrationTests.Operations.OperationsServers;

namespace Loom.IntegrationTests.Operations;

/// <summary>
/// Two servers (separate hosts, separate data directories) on one PostgreSQL database: audit records and prompt
/// templates written by each are visible to the other. Needs LOOM_TEST_POSTGRES (set by .ci/run); skips without it.
/// </summary>
public class PostgresSharedStoreTests
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("LOOM_TEST_POSTGRES");

    [PostgresFact]
    public async Task TwoServers_ShareAuditAndPrompts()
    {
        string run = Guid.NewGuid().ToString("N")[..12];
        using var dataA = new TempData();
        using var dataB = new TempData();
        var config = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = ConnectionString, ["Audit:Content"] = "full" };
        // Both start at once: the schema creation must be safe when two processes race to it.
        var servers = await Task.WhenAll(StartAsync(dataA.Path, config), StartAsync(dataB.Path, config));
        await using var a = servers[0];
        await using var b = servers[1];
        using var httpA = new HttpClient { BaseAddress = a.BaseAddress };
        using var httpB = new HttpClient { BaseAddress = b.BaseAddress };

        var (created, _) = await PostAsync(httpA, "/v1/prompts", new { id = $"shared-{run}", template = "from A: {{x}}" });
        Assert.Equal(201, (int)created.StatusCode);
        var (_, v2) = await PostAsync(httpB, "/v1/prompts", new { id = $"shared-{run}", template = "from B: {{x}}" });
        Assert.Equal(2, (int)v2!["version"]!);
        var (_, renderedOnA) = await PostAsync(httpA, $"/v1/prompts/shared-{run}/render", new { variables = new { x = "1" } });
        Assert.Equal("from B: 1", (string?)renderedOnA!["messages"]![0]!["content"]);

        await PostAsync(httpA, "/v1/chat/completions", Chat("fake-chat", $"A-{run}"));
        await PostAsync(httpB, "/v1/chat/completions", Chat("fake-chat", $"B-{run}"));
        await State(a).Audit.FlushAsync();
        await State(b).Audit.FlushAsync();

        var sink = new SqlAuditSink(OperationsDatabase.Postgres(ConnectionString!));
        var records = await sink.ReadRecentAsync(200);
        Assert.Contains(records, r => r.Prompt?.Contains($"A-{run}") == true && r.Status == 200);
        Assert.Contains(records, r => r.Prompt?.Contains($"B-{run}") == true && r.Status == 200);
    }
}

/// <summary>A fact that skips, saying why, when LOOM_TEST_POSTGRES is not set.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(PostgresSharedStoreTests.ConnectionString))
            Skip = "LOOM_TEST_POSTGRES is not set (.ci/run starts PostgreSQL and sets it)";
    }
}
