using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Cache;

/// <summary>
/// Answers an identical deterministic request from memory. Deterministic means temperature 0 or a seed given: only
/// then is the model's answer a function of the request, so replaying it is the same as recomputing it. The key is
/// a SHA-256 of the model id, whether the call streams, the messages and every option (serialized with
/// Microsoft.Extensions.AI's JSON settings) — any difference misses; a request whose options cannot be serialized is
/// not cached. A streamed response is cached as its list of updates and replayed update by update, so a hit streams
/// the same chunks. Hit or miss is written to the request context (the server's x-loom-cache header).
/// </summary>
public sealed class CachingChatClient(IChatClient inner, ResponseCache cache, string modelId) : DelegatingChatClient(inner)
{
    /// <summary>
    /// What one cached streaming update holds besides its text: the update object, its contents list and text
    /// content, and (from the local models) its additional-properties dictionary and boxed prompt-token count —
    /// about 0.5 KB measured (tests: CachingChatClientTests). Counting only the text (as before) made a 64-token
    /// stream look like 5 KB where it held 35 KB, so the byte bound let the cache hold ~7× what it said; a server under
    /// seeded load grew ~1.1 MiB per 32 requests until the entry bound.
    /// </summary>
    public const long UpdateOverheadBytes = 512;

    public string ModelId { get; } = modelId;

    /// <summary>True when the options make the answer reproducible: temperature 0, or a seed.</summary>
    public static bool IsDeterministic(ChatOptions? options) => options is not null && (options.Temperature == 0f || options.Seed is not null);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        string? key = IsDeterministic(options) ? Key(list, options, streaming: false) : null;
        if (key is null) return await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        var context = OperationsRequestContext.Current;
        if (cache.TryGet(key, out var cached) && cached is ChatResponse hit)
        {
            if (context is not null) context.CacheStatus = "hit";
            return hit;
        }
        if (context is not null) context.CacheStatus = "miss";
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        cache.Set(key, response, 2L * response.Text.Length + 256);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        string? key = IsDeterministic(options) ? Key(list, options, streaming: true) : null;
        if (key is null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false)) yield return update;
            yield break;
        }
        var context = OperationsRequestContext.Current;
        if (cache.TryGet(key, out var cached) && cached is IReadOnlyList<ChatResponseUpdate> hit)
        {
            if (context is not null) context.CacheStatus = "hit";
            foreach (var update in hit) yield return update;
            yield break;
        }
        if (context is not null) context.CacheStatus = "miss";
        var seen = new List<ChatResponseUpdate>();
        long bytes = 256;
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            seen.Add(update);
            bytes += 2L * update.Text.Length + UpdateOverheadBytes;
            yield return update;
        }
        // Only a stream that ran to its end is stored: a cancelled one never reaches this line.
        cache.Set(key, seen.AsReadOnly(), bytes);
    }

    /// <summary>The cache key of a request (hex SHA-256 over model id, call kind, messages, options), or null when it cannot be serialized.</summary>
    public string? Key(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        try
        {
            // ChatOptions' JSON leaves out its tools, yet they change the reply (a call to another tool, or none):
            // each tool's name, description and parameter schema, and the tool choice, join the key explicitly.
            var tools = options?.Tools?.Select(t => t is AIFunctionDeclaration f
                ? $"{f.Name}\n{f.Description}\n{f.JsonSchema.GetRawText()}" : $"{t.GetType().Name}:{t.Name}").ToArray();
            string? toolMode = options?.ToolMode switch
            {
                null => null,
                NoneChatToolMode => "none",
                RequiredChatToolMode required => "required:" + required.RequiredFunctionName,
                _ => "auto",
            };
            return AIJsonUtilities.HashDataToString([ModelId, streaming, messages, options, tools, toolMode], AIJsonUtilities.DefaultOptions);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
