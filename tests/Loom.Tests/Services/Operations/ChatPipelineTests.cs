using Loom.Services.Operations;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Cache;
using Loom.Services.Operations.Limits;
using Loom.Services.Operations.Storage;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

public class ChatPipelineTests
{
    [Fact]
    public void Wrap_ComposesLimitsThenAuditThenCacheThenModel()
    {
        var model = new CountingChatClient();
        using var temp = new TempFolder();
        using var audit = new AuditWriter(new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path)));
        var pipeline = new ChatPipeline(new RateLimiter(), RateLimitPolicy.Unlimited, new ResponseCache(), audit);
        var chain = new List<Type>();
        for (IChatClient? c = pipeline.Wrap(model, "m"); c is not null; c = (c as DelegatingChatClient)?.InnerClientOrNull())
            chain.Add(c.GetType());
        Assert.Equal([typeof(RateLimitingChatClient), typeof(AuditingChatClient), typeof(CachingChatClient), typeof(CountingChatClient)], chain);
        // Parts left out keep the order of the rest.
        Assert.IsType<CachingChatClient>(new ChatPipeline(cache: new ResponseCache()).Wrap(model, "m"));
    }

    [Fact]
    public async Task CacheHitsAreAudited_RefusedRequestsReachNeitherAuditNorModel()
    {
        var model = new CountingChatClient();
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        await using (var audit = new AuditWriter(sink))
        {
            var client = new ChatPipeline(new RateLimiter(time), new RateLimitPolicy(2, null), new ResponseCache(), audit).Wrap(model, "m");
            var options = new ChatOptions { Temperature = 0 };
            ChatMessage[] hello = [new(ChatRole.User, "hello")];
            await client.GetResponseAsync(hello, options);
            var hit = await client.GetResponseAsync(hello, options);
            var refused = await Assert.ThrowsAsync<RateLimitExceededException>(() => client.GetResponseAsync(hello, options));
            Assert.Equal(60, refused.RetryAfterSeconds);
            Assert.Equal("echo 1: hello", hit.Text);
        }
        Assert.Equal(1, model.Calls);
        var records = await sink.ReadRecentAsync(10);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("echo 1: hello", r.Response));
    }
}

internal static class DelegatingChatClientExtensions
{
    /// <summary>The wrapped client (DelegatingChatClient.InnerClient is protected).</summary>
    public static IChatClient? InnerClientOrNull(this DelegatingChatClient client) =>
        (IChatClient?)typeof(DelegatingChatClient).GetProperty("InnerClient", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!.GetValue(client);
}
