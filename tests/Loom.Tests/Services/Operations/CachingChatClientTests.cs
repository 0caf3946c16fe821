using Loom.Services.Operations;
using Loom.Services.Operations.Cache;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

public class CachingChatClientTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    [Fact]
    public async Task TemperatureZero_SecondIdenticalRequestIsAHit()
    {
        var model = new CountingChatClient();
        var client = new CachingChatClient(model, new ResponseCache(), "m");
        var context = new OperationsRequestContext();
        ChatResponse first, second;
        using (OperationsRequestContext.Begin(context)) first = await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0 });
        Assert.Equal("miss", context.CacheStatus);
        context = new OperationsRequestContext();
        using (OperationsRequestContext.Begin(context)) second = await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0 });
        Assert.Equal("hit", context.CacheStatus);
        Assert.Equal(1, model.Calls);
        Assert.Equal("echo 1: hello", second.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(10, second.Usage!.TotalTokenCount);
    }

    [Fact]
    public async Task NonDeterministicRequests_AreNeverCached()
    {
        var model = new CountingChatClient();
        var client = new CachingChatClient(model, new ResponseCache(), "m");
        var context = new OperationsRequestContext();
        using (OperationsRequestContext.Begin(context))
        {
            await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.7f });
            await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.7f });
            await client.GetResponseAsync(Hello); // no options: the model's default sampling
            await client.GetResponseAsync(Hello);
        }
        Assert.Equal(4, model.Calls);
        Assert.Null(context.CacheStatus);
    }

    [Fact]
    public async Task ASeed_MakesARequestCacheable_AndAnyDifferenceMisses()
    {
        var model = new CountingChatClient();
        var cache = new ResponseCache();
        var client = new CachingChatClient(model, cache, "m");
        await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.9f, Seed = 42 });
        await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.9f, Seed = 42 });
        Assert.Equal(1, model.Calls);
        await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.9f, Seed = 43 });
        await client.GetResponseAsync(Hello, new ChatOptions { Temperature = 0.9f, Seed = 42, MaxOutputTokens = 5 });
        await client.GetResponseAsync([new(ChatRole.User, "hello!")], new ChatOptions { Temperature = 0.9f, Seed = 42 });
        await new CachingChatClient(model, cache, "other-model").GetResponseAsync(Hello, new ChatOptions { Temperature = 0.9f, Seed = 42 });
        Assert.Equal(5, model.Calls);
    }

    [Fact]
    public void Tools_AndToolChoice_ArePartOfTheKey()
    {
        var client = new CachingChatClient(new CountingChatClient(), new ResponseCache(), "m");
        static AITool Tool(string name, string property) => AIFunctionFactory.CreateDeclaration(name, "what it does",
            System.Text.Json.JsonDocument.Parse("{\"type\":\"object\",\"properties\":{\"" + property + "\":{\"type\":\"string\"}}}").RootElement);
        string Key(params AITool[] tools) => client.Key(Hello, new ChatOptions { Temperature = 0, Tools = tools }, streaming: false)!;
        string weather = Key(Tool("weather", "city"));
        Assert.Equal(weather, Key(Tool("weather", "city")));
        Assert.NotEqual(weather, Key());
        Assert.NotEqual(weather, Key(Tool("time", "city")));
        Assert.NotEqual(weather, Key(Tool("weather", "town")));
        var required = client.Key(Hello, new ChatOptions { Temperature = 0, ToolMode = ChatToolMode.RequireAny }, streaming: false);
        var none = client.Key(Hello, new ChatOptions { Temperature = 0, ToolMode = ChatToolMode.None }, streaming: false);
        Assert.NotEqual(required, none);
    }

    [Fact]
    public async Task Streaming_HitReplaysTheSameUpdates()
    {
        var model = new CountingChatClient();
        var client = new CachingChatClient(model, new ResponseCache(), "m");
        var options = new ChatOptions { Temperature = 0 };
        var first = await client.GetStreamingResponseAsync(Hello, options).ToListAsync();
        var second = await client.GetStreamingResponseAsync(Hello, options).ToListAsync();
        Assert.Equal(1, model.Calls);
        Assert.Equal(first.Select(u => u.Text), second.Select(u => u.Text));
        Assert.Equal(5, second.Count);
        Assert.Equal("echo 1: hello", string.Concat(second.Select(u => u.Text)));
        // Streaming and whole responses are cached apart: a whole request after a stream still asks the model.
        await client.GetResponseAsync(Hello, options);
        Assert.Equal(2, model.Calls);
    }

    [Fact]
    public void ResponseCache_EvictsTheLeastRecentlyUsed_ByEntriesAndBytes()
    {
        var cache = new ResponseCache(maxEntries: 2, maxBytes: 1000);
        cache.Set("a", "A", 10);
        cache.Set("b", "B", 10);
        Assert.True(cache.TryGet("a", out _)); // a is now the most recent
        cache.Set("c", "C", 10);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out var a) && (string)a! == "A");
        cache.Set("big", "X", 990); // pushes the total over 1000 bytes: older entries go
        Assert.Equal(1, cache.Count);
        cache.Set("huge", "Y", 5000); // larger than the whole cache: not stored
        Assert.False(cache.TryGet("huge", out _));
    }
}
