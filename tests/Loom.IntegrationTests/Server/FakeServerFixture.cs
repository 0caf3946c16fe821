using Loom.Server.Hosting;

namespace Loom.IntegrationTests.Server;

/// <summary>One server over <see cref="FakeCatalog"/> on an ephemeral loopback port, shared by a test class.</summary>
public sealed class FakeServerFixture : IAsyncLifetime
{
    public LoomServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Uri BaseAddress => Server.BaseAddress;
    public FakeCatalog Catalog { get; } = new();

    public async Task InitializeAsync()
    {
        Server = LoomServerBuilder.Create(TestServers.Overrides("fake-models-unused"), readEnvironment: false)
            .UseCatalog(Catalog).Build();
        await Server.StartAsync();
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

public static class TestServers
{
    /// <summary>
    /// Loopback, a free port, quiet logs, and a fresh data directory: without it the server would read the
    /// user's ~/.loom (keys, audit, prompts), so a developer's own keys could change what the tests see.
    /// </summary>
    public static Dictionary<string, string?> Overrides(string modelsDirectory) => new()
    {
        ["Server:Models"] = modelsDirectory,
        ["Server:Data"] = FreshDataDirectory(),
        ["Server:Host"] = "127.0.0.1",
        ["Server:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };

    /// <summary>An empty directory under the system temp folder, unique per server.</summary>
    public static string FreshDataDirectory() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "loom-test-data", Guid.NewGuid().ToString("N"))).FullName;

    public static OpenAI.OpenAIClient OpenAi(Uri baseAddress) =>
        new(new System.ClientModel.ApiKeyCredential("test-key"), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(baseAddress, "/v1") });
}
