using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Loom.Core;
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
            Finish(list, response.Text, response.Usage, start, 200);
            return response;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Finish(list, null, null, start, StatusOf(e));
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        long start = Stopwatch.GetTimestamp();
        var text = new StringBuilder();
        UsageDetails? usage = null;
        int status = 499; // stays when the consumer stops early (client gone): nginx's "client closed request"
        try
        {
            await using var updates = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false)) break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    status = StatusOf(e);
                    throw;
                }
                usage = ChatUsage.FromUpdate(updates.Current, usage);
                text.Append(updates.Current.Text);
                yield return updates.Current;
            }
            status = 200;
        }
        finally
        {
            Finish(list, text.ToString(), usage, start, status);
        }
    }

    private void Finish(IList<ChatMessage> messages, string? responseText, UsageDetails? usage, long start, int status)
    {
        string prompt = AuditContent.Transcript(messages);
        var (promptTokens, completionTokens) = ChatUsage.Of(usage, messages, responseText ?? "");
        var context = OperationsRequestContext.Current;
        if (context?.Audit is { } draft)
        {
            // n choices run the model n times for one request: the prompt is the same, completions add up.
            lock (draft)
            {
                draft.Model = modelId;
                draft.PromptTokens = promptTokens;
                draft.CompletionTokens += completionTokens;
                draft.Prompt = prompt;
                draft.Response = draft.Response is null ? responseText : draft.Response + "\n" + responseText;
            }
            return;
        }
        writer.Write(AuditContent.Record(writer.Content, _time.GetUtcNow(), context?.KeyId, context?.Endpoint ?? "chat", modelId,
            promptTokens, completionTokens, Stopwatch.GetElapsedTime(start).TotalMilliseconds, status, prompt, responseText));
    }

    private static int StatusOf(Exception e) => e switch
    {
        LoomException { Code: LoomErrorCode.Internal } => 500,
        LoomException => 400,
        Limits.RateLimitExceededException => 429,
        _ => 500,
    };
}
