using Loom.Services.Models;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Cache;
using Loom.Services.Operations.Limits;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations;

/// <summary>
/// The one place the operations wrappers are composed. From the caller inward:
/// <code>
///   RateLimitingChatClient → AuditingChatClient → CachingChatClient → the model's IChatClient
/// </code>
/// Why this order: limits first, so a refused request costs nothing and reaches neither the cache nor the audit
/// wrapper (the server still audits it, with status 429); audit before cache, so every answered request is in the
/// log — cache hits included, with the text and token counts of the answer they got; the cache last, right before
/// the model, so a hit skips only the model. Embeddings get limits → audit → model (nothing to cache: embedding
/// calls are cheap and often unique). Raw completions get audit → model (their token counts and text recorded like
/// chat's; limits are the host's pre-request check). Each wrapper is optional: a null part is left out, the order stays.
/// The request's identity (key id, limits, ticket, audit draft) flows through <see cref="OperationsRequestContext"/>.
/// </summary>
public sealed class ChatPipeline(RateLimiter? limiter = null, RateLimitPolicy? defaults = null, ResponseCache? cache = null, AuditWriter? audit = null,
    TimeProvider? time = null)
{
    public RateLimiter? Limiter { get; } = limiter;

    public RateLimitPolicy Defaults { get; } = defaults ?? RateLimitPolicy.Unlimited;

    public ResponseCache? Cache { get; } = cache;

    public AuditWriter? Audit { get; } = audit;

    public IChatClient Wrap(IChatClient model, string modelId)
    {
        IChatClient client = model;
        if (Cache is not null) client = new CachingChatClient(client, Cache, modelId);
        if (Audit is not null) client = new AuditingChatClient(client, Audit, modelId, time);
        if (Limiter is not null) client = new RateLimitingChatClient(client, Limiter, Defaults);
        return client;
    }

    public ITextCompleter Wrap(ITextCompleter model, string modelId) =>
        Audit is not null ? new AuditingTextCompleter(model, Audit, modelId, time) : model;

    public IEmbeddingGenerator<string, Embedding<float>> Wrap(IEmbeddingGenerator<string, Embedding<float>> model, string modelId)
    {
        var generator = model;
        if (Audit is not null) generator = new AuditingEmbeddingGenerator(generator, Audit, modelId, time);
        if (Limiter is not null) generator = new RateLimitingEmbeddingGenerator(generator, Limiter, Defaults);
        return generator;
    }
}
