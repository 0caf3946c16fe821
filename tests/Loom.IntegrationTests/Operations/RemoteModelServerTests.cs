using static Loom.IntegrationTests.Operations.OperationsServers;

namespace Loom.IntegrationTests.Operations;

/// <summary>A model name configured under Remote:Models routes to another OpenAI-compatible server (hybrid deployments).</summary>
public class RemoteModelServerTests
{
    [Fact]
    public async Task ARemoteModel_RoutesToAnotherOpenAiCompatibleServer()
    {
        using var remoteData = new TempData();
        using var localData = new TempData();
        await using var remote = await StartAsync(remoteData.Path);
        await using var local = await StartAsync(localData.Path, new Dictionary<string, string?>
        {
            ["Remote:Models:far-chat:Endpoint"] = new Uri(remote.BaseAddress, "/v1").ToString(),
            ["Remote:Models:far-chat:Model"] = "fake-chat",
        });
        using var http = new HttpClient { BaseAddress = local.BaseAddress };
        string models = await http.GetStringAsync("/v1/models");
        Assert.Contains("far-chat", models);
        var (response, body) = await PostAsync(http, "/v1/chat/completions", Chat("far-chat", "over there", temperature: 0));
        Assert.True(200 == (int)response.StatusCode, $"{(int)response.StatusCode}: {body?.ToJsonString()}");
        Assert.Contains("over there", ReplyText(body));

        // The remote server audited the forwarded call, the local one its own request.
        var remoteState = State(remote);
        await remoteState.Audit.FlushAsync();
        Assert.Contains(await remoteState.AuditSink.ReadRecentAsync(10), r => r.Model == "fake-chat" && r.Status == 200);
    }

    [Fact]
    public async Task A_remote_model_the_remote_does_not_have_is_a_404_locally_not_a_500()
    {
        using var remoteData = new TempData();
        using var localData = new TempData();
        await using var remote = await StartAsync(remoteData.Path);
        await using var local = await StartAsync(localData.Path, new Dictionary<string, string?>
        {
            ["Remote:Models:gone:Endpoint"] = new Uri(remote.BaseAddress, "/v1").ToString(),
            ["Remote:Models:gone:Model"] = "no-such-model",
        });
        using var http = new HttpClient { BaseAddress = local.BaseAddress };
        var (response, body) = await PostAsync(http, "/v1/chat/completions", Chat("gone", "hello", temperature: 0));
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Contains("no-such-model", (string?)body!["error"]!["message"]);
    }
}
