using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// Turns a streamed reply into tool calls where the model made them. Text streams through as it comes until
/// something may begin a call — a <c>&lt;tool_call&gt;</c> tag (the tail that could still become one is held back)
/// or, at the very start of the reply, a <c>{</c> or <c>[</c> (Llama-3-style bare JSON). From there the rest of the
/// reply is held until it ends and then parsed (<see cref="ToolCallParser"/>): calls come out as one update with
/// <see cref="FunctionCallContent"/>s and finish reason tool_calls; anything else is released as the original
/// updates (their logprobs intact). With <c>captureAll</c> (a forced call) the whole reply is held.
/// </summary>
internal static class ToolCallStream
{
    public static async IAsyncEnumerable<ChatResponseUpdate> Filter(IAsyncEnumerable<ChatResponseUpdate> updates, IReadOnlyCollection<string> toolNames,
        bool captureAll, Func<string>? newCallId = null, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var held = new StringBuilder();
        bool started = false;
        List<(ChatResponseUpdate Update, string Text)>? captured = captureAll ? [] : null;
        await foreach (var update in updates.WithCancellation(cancellation).ConfigureAwait(false))
        {
            bool final = update.FinishReason is not null;
            if (captured is not null)
            {
                captured.Add((update, update.Text));
                if (final)
                {
                    foreach (var u in Decide(captured, toolNames, newCallId)) yield return u;
                    captured = null;
                }
                continue;
            }
            held.Append(update.Text);
            string text = held.ToString();
            int capture = CaptureStart(text, ref started);
            if (capture >= 0)
            {
                if (capture > 0) yield return WithText(update, text[..capture], finishAndUsage: false, extras: false);
                held.Clear();
                captured = [(update, text[capture..])];
                if (final)
                {
                    foreach (var u in Decide(captured, toolNames, newCallId)) yield return u;
                    captured = null;
                }
                continue;
            }
            int keep = final ? 0 : HeldTail(text, started);
            held.Remove(0, text.Length - keep);
            yield return WithText(update, text[..^keep], finishAndUsage: true, extras: true);
        }
        // A stream that ended without a finishing update still releases what it held.
        if (captured is { Count: > 0 })
            foreach (var u in Decide(captured, toolNames, newCallId)) yield return u;
        else if (held.Length > 0)
            yield return new ChatResponseUpdate(ChatRole.Assistant, held.ToString());
    }

    /// <summary>Where a possible call begins in the unreleased text, or −1.</summary>
    private static int CaptureStart(string text, ref bool started)
    {
        if (!started)
        {
            int first = 0;
            while (first < text.Length && char.IsWhiteSpace(text[first])) first++;
            if (first == text.Length) return -1;
            started = true;
            if (text[first] is '{' or '[') return first;
        }
        return text.IndexOf(ToolCallParser.OpenTag, StringComparison.Ordinal);
    }

    /// <summary>How much of the text's end to hold: leading whitespace before anything is decided, or the longest
    /// tail that could still grow into the opening tag.</summary>
    private static int HeldTail(string text, bool started)
    {
        if (!started) return text.Length;
        for (int n = Math.Min(ToolCallParser.OpenTag.Length - 1, text.Length); n > 0; n--)
            if (ToolCallParser.OpenTag.AsSpan(0, n).SequenceEqual(text.AsSpan(text.Length - n))) return n;
        return 0;
    }

    private static IEnumerable<ChatResponseUpdate> Decide(List<(ChatResponseUpdate Update, string Text)> captured, IReadOnlyCollection<string> toolNames,
        Func<string>? newCallId)
    {
        var parsed = ToolCallParser.Parse(string.Concat(captured.Select(c => c.Text)), toolNames, newCallId);
        if (parsed.Calls.Count == 0)
        {
            foreach (var (update, text) in captured) yield return WithText(update, text, finishAndUsage: true, extras: true);
            yield break;
        }
        var last = captured[^1].Update;
        var result = WithText(last, parsed.Text, finishAndUsage: true, extras: false);
        foreach (var call in parsed.Calls) result.Contents.Add(call);
        result.FinishReason = ChatFinishReason.ToolCalls;
        yield return result;
    }

    /// <summary>A copy of <paramref name="update"/> with <paramref name="text"/> as its text; its usage and finish
    /// reason only when <paramref name="finishAndUsage"/>, its additional properties (logprobs) only with
    /// <paramref name="extras"/>.</summary>
    private static ChatResponseUpdate WithText(ChatResponseUpdate update, string text, bool finishAndUsage, bool extras)
    {
        var copy = new ChatResponseUpdate
        {
            Role = update.Role,
            ResponseId = update.ResponseId,
            MessageId = update.MessageId,
            ModelId = update.ModelId,
            CreatedAt = update.CreatedAt,
            FinishReason = finishAndUsage ? update.FinishReason : null,
            AdditionalProperties = extras ? update.AdditionalProperties : null,
        };
        if (text.Length > 0) copy.Contents.Add(new TextContent(text));
        foreach (var content in update.Contents)
            if (content is not TextContent && (finishAndUsage || content is not UsageContent)) copy.Contents.Add(content);
        return copy;
    }
}
