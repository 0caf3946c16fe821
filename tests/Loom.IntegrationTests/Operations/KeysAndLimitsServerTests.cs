using System.ClientModel;
using System.ClientModel.Primitives;
using Loom.Core;
using Loom.Server.Hosting;
using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Storage;
using OpenAI;
using OpenAI.Chat;
using static Loom.IntegrationTests.Operations.OperationsServers;

namespace Loom.IntegrationTests.Operations;

/// <summary>A server whose data directory holds keys: 401/403/429 as OpenAI error bodies and as the OpenAI client's exceptions; cache header; audit of refusals.</summary>
public class KeysAndLimitsServerTests
{
    [Fact]
    public async Task Keys_Scopes_Models_AndLimits_AreEnforced_InOpenAiErrorShape()
    {
        using var data = new TempData();
        var keys = new ApiKeyStore(DataDirectory.OpenSqlite(data.Path));
        var limited = await keys.CreateAsync("limited", [ApiKeyScopes.Chat], ["fake-chat"], requestsPerMinute: 3);
        await using var server = await StartAsync(data.Path);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var (missing, missingBody) = await PostAsync(http, "/v1/chat/completions", Chat("fake-chat", "hi"));
        Assert.Equal(401, (int)missing.StatusCode);
        Assert.Equal("invalid_api_key", (string?)missingBody!["error"]!["code"]);
        var (wrong, _) = await PostAsync(http, "/v1/chat/completions", Chat("fake-chat", "hi"), limited.Key + "x");
        Assert.Equal(401, (int)wrong.StatusCode);

        var (scope, scopeBody) = await PostAsync(http, "/v1/embeddings", new { model = "fake-chat", input = "x" }, limited.Key);
        Assert.Equal(403, (int)scope.StatusCode);
        Assert.Contains("embeddings", (string?)scopeBody!["error"]!["message"]);
        var (model, modelBody) = await PostAsync(http, "/v1/chat/completions", Chat("fake-image", "hi"), limited.Key);
        Assert.Equal(403, (int)model.StatusCode);
        Assert.Equal("model_not_allowed", (string?)modelBody!["error"]!["code"]);
        Assert.Contains("fake-image", (string?)modelBody["error"]!["message"]);

        var (first, firstBody) = await PostAsync(http, "/v1/chat/completions", Chat("fake-chat", "cache me", temperature: 0), limited.Key);
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal("miss", first.Headers.GetValues("x-loom-cache").Single());
        var (second, secondBody) = await PostAsync(http, "/v1/chat/completions", Chat("fake-chat", "cache me", temperature: 0), limited.Key);
        Assert.Equal("hit", second.Headers.GetValues("x-loom-cache").Single());
        Assert.Equal(ReplyText(firstBody), ReplyText(secondBody));

        // Three admitted requests (the two above and this one) fill the minute; the OpenAI client sees the 429 itself.
        var client = new OpenAIClient(new ApiKeyCredential(limited.Key),
            new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });
        await client.GetChatClient("fake-chat").CompleteChatAsync([new UserChatMessage("third")]);
        var limitedOut = await Assert.ThrowsAsync<ClientResultException>(() => client.GetChatClient("fake-chat").CompleteChatAsync([new UserChatMessage("fourth")]));
        Assert.Equal(429, limitedOut.Status);
        var raw = limitedOut.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("Retry-After", out string? retryAfter));
        Assert.InRange(int.Parse(retryAfter!), 1, 60);
        Assert.Contains("rate_limit_exceeded", raw.Content.ToString());

        var denied = await Assert.ThrowsAsync<ClientResultException>(() =>
            new OpenAIClient(new ApiKeyCredential("loom-not-a-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") })
                .GetChatClient("fake-chat").CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(401, denied.Status);

        var state = State(server);
        await state.Audit.FlushAsync();
        var records = await state.AuditSink.ReadRecentAsync(100);
        Assert.Contains(records, r => r.Status == 401 && r.KeyId is null);
        Assert.Contains(records, r => r.Status == 403 && r.KeyId == limited.Record.Id && r.Model == "fake-image");
        Assert.Contains(records, r => r.Status == 429 && r.KeyId == limited.Record.Id);
        Assert.Equal(2, records.Count(r => r.Status == 200 && r.Response == ReplyText(firstBody)));
    }

    [Fact]
    public async Task WithoutKeys_ANonLoopbackBindIsRefused_UnlessNoAuth()
    {
        using var data = new TempData();
        var e = Assert.Throws<LoomException>(() => Build(data.Path, new Dictionary<string, string?> { ["Server:Host"] = "0.0.0.0" }));
        Assert.Contains("--no-auth", e.Message);
        // Built (addresses resolved, nothing bound): allowed with --no-auth, and with a key.
        await Build(data.Path, new Dictionary<string, string?> { ["Server:Host"] = "0.0.0.0", ["Server:NoAuth"] = "true" }).App.DisposeAsync();
        await new ApiKeyStore(DataDirectory.OpenSqlite(data.Path)).CreateAsync("k");
        await Build(data.Path, new Dictionary<string, string?> { ["Server:Host"] = "0.0.0.0" }).App.DisposeAsync();
    }
}
