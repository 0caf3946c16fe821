using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Limits;

/// <summary>Per-key limits for embedding calls, as <see cref="RateLimitingChatClient"/> for chat: admit before, real token count after.</summary>
public sealed class RateLimitingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, RateLimiter limiter, RateLimitPolicy defaults)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IList<string> ?? [.. values];
        int estimate = inputs.Sum(ChatUsage.Estimate);
        var context = OperationsRequestContext.Current;
        var ticket = context?.Ticket;
        if (ticket is null)
        {
            string key = context?.KeyId ?? "anonymous";
            var decision = limiter.TryAdmit(key, context?.Limits ?? defaults, estimate);
            if (!decision.Allowed) throw new RateLimitExceededException(key, decision.RetryAfterSeconds, decision.Reason!);
            ticket = decision.Ticket!;
            if (context is not null) context.Ticket = ticket;
        }
        var result = await base.GenerateAsync(inputs, options, cancellationToken).ConfigureAwait(false);
        limiter.RecordUsage(ticket, result.Usage?.InputTokenCount ?? estimate);
        return result;
    }
}
