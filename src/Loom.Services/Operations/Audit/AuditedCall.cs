using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Loom.Core;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Audit;

/// <summary>What one finished generation call leaves for the audit: its prompt text, token counts, reply and status.</summary>
internal sealed record AuditedCallResult(string Prompt, int PromptTokens, int CompletionTokens, string? Response, int Status);

/// <summary>
/// The part the generating audit wrappers (chat, completions) share: following a stream to its end — or its failure,
/// or the consumer walking away — and then filling the host's draft or writing the record.
/// </summary>
internal static class AuditedCall
{
    /// <summary>Yields <paramref name="start"/>'s updates and calls <paramref name="finish"/> once with the reply text,
    /// the last usage reported and the status (200; 400/429/500 from the error; 499 when the consumer stopped early).</summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(Func<IAsyncEnumerable<ChatResponseUpdate>> start,
        Action<string, UsageDetails?, int> finish, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        UsageDetails? usage = null;
        int status = 499; // stays when the consumer stops early (client gone): nginx's "client closed request"
        try
        {
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            try
            {
                while (true)
                {
                    try
                    {
                        // Starting counts as the first step: a request refused up front (bad options) is audited with its status.
                        updates ??= start().GetAsyncEnumerator(cancellationToken);
                        if (!await updates.MoveNextAsync().ConfigureAwait(false)) break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        status = StatusOf(e);
                        throw;
                    }
                    usage = ChatUsage.FromUpdate(updates.Current, usage);
                    text.Append(AuditContent.Text(updates.Current.Contents));
                    yield return updates.Current;
                }
            }
            finally
            {
                if (updates is not null) await updates.DisposeAsync().ConfigureAwait(false);
            }
            status = 200;
        }
        finally
        {
            finish(text.ToString(), usage, status);
        }
    }

    /// <summary>Under a host's request context fills its draft (n calls for one request: the prompt counted once,
    /// completions added up); otherwise writes the record itself.</summary>
    public static void Record(AuditWriter writer, TimeProvider time, string modelId, string fallbackEndpoint, long start, AuditedCallResult call)
    {
        var context = OperationsRequestContext.Current;
        if (context?.Audit is { } draft)
        {
            lock (draft)
            {
                draft.Model = modelId;
                draft.PromptTokens = Math.Max(draft.PromptTokens, call.PromptTokens);
                draft.CompletionTokens += call.CompletionTokens;
                draft.Prompt = draft.Prompt is null || draft.Prompt == call.Prompt ? call.Prompt : draft.Prompt + "\n" + call.Prompt;
                draft.Response = draft.Response is null ? call.Response : draft.Response + "\n" + call.Response;
            }
            return;
        }
        writer.Write(AuditContent.Record(writer.Content, time.GetUtcNow(), context?.KeyId, context?.Endpoint ?? fallbackEndpoint, modelId,
            call.PromptTokens, call.CompletionTokens, Stopwatch.GetElapsedTime(start).TotalMilliseconds, call.Status, call.Prompt, call.Response));
    }

    public static int StatusOf(Exception e) => e switch
    {
        LoomException { Code: LoomErrorCode.Internal } => 500,
        LoomException => 400,
        Limits.RateLimitExceededException => 429,
        _ => 500,
    };
}
