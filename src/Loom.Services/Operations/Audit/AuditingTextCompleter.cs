using System.Diagnostics;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Audit;

/// <summary>
/// Records every raw completion call (/v1/completions) as <see cref="AuditingChatClient"/> does a chat call: the
/// prompt text, the prompt and completion token counts the model reported (estimates when it reported none), the
/// reply, latency and status.
/// </summary>
public sealed class AuditingTextCompleter(ITextCompleter inner, AuditWriter writer, string modelId, TimeProvider? time = null) : ITextCompleter
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ITextCompleter Inner { get; } = inner;

    public IAsyncEnumerable<ChatResponseUpdate> CompleteStreamingAsync(string prompt, ChatOptions? options = null, CancellationToken cancellation = default)
    {
        long start = Stopwatch.GetTimestamp();
        return AuditedCall.Stream(() => Inner.CompleteStreamingAsync(prompt, options, cancellation), (text, usage, status) =>
        {
            int promptTokens = usage?.InputTokenCount is long input ? (int)input : ChatUsage.Estimate(prompt);
            int completionTokens = usage?.OutputTokenCount is long output ? (int)output : ChatUsage.Estimate(text);
            AuditedCall.Record(writer, _time, modelId, "completions", start,
                new AuditedCallResult(prompt, promptTokens, completionTokens, text, status));
        }, cancellation);
    }
}
