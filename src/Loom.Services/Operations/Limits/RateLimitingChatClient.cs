using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Limits;

/// <summary>
/// Enforces the request's per-key limits (<see cref="OperationsRequestContext"/>; a call without a context counts
/// against the key "anonymous" under the defaults). Before the call: one request and the prompt's estimated tokens
/// are admitted or refused with <see cref="RateLimitExceededException"/>; a request the server already admitted (it
/// has a ticket) is not counted twice. After the call: the ticket's estimate becomes the real prompt + completion
/// tokens, so later requests see what this one actually cost.
/// </summary>
public sealed class RateLimitingChatClient(IChatClient inner, RateLimiter limiter, RateLimitPolicy defaults) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var ticket = Admit(list);
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        var (prompt, completion) = ChatUsage.Of(response.Usage, list, response.Text);
        limiter.RecordUsage(ticket, prompt + completion);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var ticket = Admit(list);
        UsageDetails? usage = null;
        var text = new StringBuilder();
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
            {
                usage = ChatUsage.FromUpdate(update, usage);
                text.Append(update.Text);
                yield return update;
            }
        }
        finally
        {
            // Also when the client went away mid-stream: what was generated was paid for.
            var (prompt, completion) = ChatUsage.Of(usage, list, text.ToString());
            limiter.RecordUsage(ticket, prompt + completion);
        }
    }

    private RateLimitTicket Admit(IList<ChatMessage> messages)
    {
        var context = OperationsRequestContext.Current;
        if (context?.Ticket is { } admitted) return admitted;
        string key = context?.KeyId ?? "anonymous";
        var policy = context is null ? defaults : context.Limits;
        var decision = limiter.TryAdmit(key, policy, ChatUsage.EstimatePrompt(messages));
        if (!decision.Allowed) throw new RateLimitExceededException(key, decision.RetryAfterSeconds, decision.Reason!);
        if (context is not null) context.Ticket = decision.Ticket;
        return decision.Ticket!;
    }
}
