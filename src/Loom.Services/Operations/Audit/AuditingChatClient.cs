using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Audit;

/// <summary>
/// Records every chat call: model, prompt and completion tokens, latency, and the conversation text (kept, hashed or
/// dropped per the writer's content mode). Under a host's request context it fills the context's draft and the host
/// writes the record with the HTTP status; without one it writes the record itself (status 200, or 400/500 when the
/// call threw). Writing only queues: the response never waits on the database.
/// </summary>
public sealed class AuditingChatClient(IChatClient inner, AuditWriter writer, string modelId, TimeProvider? time = null) : DelegatingChatClient(inner)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        long start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            Finish(list, AuditContent.Text(response.Messages.SelectMany(m => m.Contents)), response.Usage, start, 200);
            return response;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Finish(list, null, null, start, AuditedCall.StatusOf(e));
            throw;
        }
    }

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        long start = Stopwatch.GetTimestamp();
        return AuditedCall.Stream(() => InnerClient.GetStreamingResponseAsync(list, options, cancellationToken),
            (text, usage, status) => Finish(list, text, usage, start, status), cancellationToken);
    }

    private void Finish(IList<ChatMessage> messages, string? responseText, UsageDetails? usage, long start, int status)
    {
        var (promptTokens, completionTokens) = ChatUsage.Of(usage, messages, responseText ?? "");
        AuditedCall.Record(writer, _time, modelId, "chat", start,
            new AuditedCallResult(AuditContent.Transcript(messages), promptTokens, completionTokens, responseText, status));
    }
}
