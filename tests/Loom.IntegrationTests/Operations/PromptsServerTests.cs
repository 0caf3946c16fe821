using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Storage;
using static Loom.IntegrationTests.Operations.OperationsServers;

namespace Loom.IntegrationTests.Operations;

/// <summary>Prompt templates over HTTP and inside chat requests.</summary>
public class PromptsServerTests
{
    [Fact]
    public async Task Prompts_AreVersioned_Rendered_AndUsableFromAChatRequest()
    {
        using var data = new TempData();
        var admin = await new ApiKeyStore(DataDirectory.OpenSqlite(data.Path)).CreateAsync("admin", [ApiKeyScopes.Admin]);
        var chatOnly = await new ApiKeyStore(DataDirectory.OpenSqlite(data.Path)).CreateAsync("user", [ApiKeyScopes.Chat]);
        await using var server = await StartAsync(data.Path);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var (forbidden, _) = await PostAsync(http, "/v1/prompts", new { id = "greet", template = "x" }, chatOnly.Key);
        Assert.Equal(403, (int)forbidden.StatusCode);
        var (v1, v1Body) = await PostAsync(http, "/v1/prompts", new { id = "greet", template = "Hello {{name}}" }, admin.Key);
        Assert.Equal(201, (int)v1.StatusCode);
        Assert.Equal(1, (int)v1Body!["version"]!);
        var (_, v2Body) = await PostAsync(http, "/v1/prompts",
            new { id = "greet", messages = new[] { new { role = "user", content = "Hi {{name}} from {{place}}" } } }, admin.Key);
        Assert.Equal(2, (int)v2Body!["version"]!);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/v1/prompts/greet/versions/1");
        get.Headers.Authorization = new("Bearer", chatOnly.Key);
        var version1 = System.Text.Json.Nodes.JsonNode.Parse(await (await http.SendAsync(get)).Content.ReadAsStringAsync())!;
        Assert.Equal("Hello {{name}}", (string?)version1["messages"]![0]!["content"]);

        var (rendered, renderedBody) = await PostAsync(http, "/v1/prompts/greet/render", new { variables = new { name = "Ada", place = "Loom" } }, chatOnly.Key);
        Assert.Equal(200, (int)rendered.StatusCode);
        Assert.Equal("Hi Ada from Loom", (string?)renderedBody!["messages"]![0]!["content"]);

        var (chat, chatBody) = await PostAsync(http, "/v1/chat/completions",
            new { model = "fake-chat", prompt = new { id = "greet", version = 1, variables = new { name = "Ada" } } }, chatOnly.Key);
        Assert.Equal(200, (int)chat.StatusCode);
        Assert.Contains("Hello Ada", ReplyText(chatBody));

        var (missing, missingBody) = await PostAsync(http, "/v1/chat/completions",
            new { model = "fake-chat", prompt = new { id = "greet", variables = new { name = "Ada" } } }, chatOnly.Key);
        Assert.Equal(400, (int)missing.StatusCode);
        Assert.Contains("'place'", (string?)missingBody!["error"]!["message"]);
        var (unknown, _) = await PostAsync(http, "/v1/chat/completions", new { model = "fake-chat", prompt = new { id = "nope" } }, chatOnly.Key);
        Assert.Equal(404, (int)unknown.StatusCode);
    }
}
