using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Loom.IntegrationTests.Server;
using Loom.Server.Hosting;
using Loom.Server.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.IntegrationTests.Operations;

/// <summary>Servers over the scripted models with their own data directory (and extra configuration), plus HTTP helpers.</summary>
internal static class OperationsServers
{
    public static LoomServer Build(string dataDirectory, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var overrides = TestServers.Overrides("fake-models-unused");
        overrides["Server:Data"] = dataDirectory;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) overrides[key] = value;
        return LoomServerBuilder.Create(overrides, readEnvironment: false).UseCatalog(new FakeCatalog()).Build();
    }

    public static async Task<LoomServer> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var server = Build(dataDirectory, extra);
        await server.StartAsync();
        return server;
    }

    public static OperationsState State(LoomServer server) => server.App.Services.GetRequiredService<OperationsState>();

    public static async Task<(HttpResponseMessage Response, JsonNode? Body)> PostAsync(HttpClient http, string path, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static object Chat(string model, string text, float? temperature = null) =>
        temperature is { } t
            ? new { model, temperature = t, messages = new[] { new { role = "user", content = text } } }
            : new { model, messages = new[] { new { role = "user", content = text } } };

    public static string ReplyText(JsonNode? completion) => (string)completion!["choices"]![0]!["message"]!["content"]!;
}

/// <summary>A temporary data directory per test.</summary>
internal sealed class TempData : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("loom-ops-it-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
