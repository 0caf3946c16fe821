using System.Runtime.CompilerServices;
using Loom.Services.Models;
using Loom.Services.Operations.Cache;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

/// <summary>The cache's byte bound must track what a cached stream really holds, or it lets the cache hold several
/// times its stated bound (a server under seeded load grew until the entry bound).</summary>
public class ResponseCacheSizeTests
{
    private sealed class ReplayClient(IReadOnlyList<ChatResponseUpdate> updates) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var update in updates) yield return update;
            await Task.CompletedTask;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }

    // Shaped as the local models stream them (Local/SequenceStream): one short text per token, shared ids, the
    // prompt-token count in the additional properties.
    private static List<ChatResponseUpdate> LocalStream(int tokens)
    {
        string id = "loom-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        var updates = new List<ChatResponseUpdate>(tokens);
        for (int i = 0; i < tokens; i++)
        {
            updates.Add(new ChatResponseUpdate(ChatRole.Assistant, " w" + i)
            {
                ResponseId = id,
                MessageId = id,
                ModelId = "m",
                CreatedAt = created,
                AdditionalProperties = new AdditionalPropertiesDictionary { [LoomChatOptions.UpdatePromptTokens] = 12 },
            });
        }
        return updates;
    }

    [Fact]
    public async Task A_cached_stream_is_counted_within_a_factor_of_two_of_the_bytes_it_holds()
    {
        const int tokens = 64;
        LocalStream(tokens); // first use: type loading and JIT allocate too
        long before = GC.GetAllocatedBytesForCurrentThread();
        var updates = LocalStream(tokens);
        long held = GC.GetAllocatedBytesForCurrentThread() - before;

        var cache = new ResponseCache();
        var client = new CachingChatClient(new ReplayClient(updates), cache, "m");
        await foreach (var _ in client.GetStreamingResponseAsync([new(ChatRole.User, "hi")], new ChatOptions { Seed = 1 })) { }
        Assert.Equal(1, cache.Count);
        Assert.InRange(cache.Bytes, held / 2, held * 2);
    }
}
