using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Limits;

namespace Loom.Services.Operations;

/// <summary>
/// Who is asking, for the wrappers: the request's key id and limits, its rate-limit ticket, and the audit draft the
/// host fills. It flows through an <see cref="AsyncLocal{T}"/> (not ChatOptions.AdditionalProperties) because the
/// identity must not travel into the model, into cache keys or to a remote provider, and because embeddings and
/// images have no ChatOptions. The object is mutable on purpose: wrappers deep in the call write the cache status
/// and token counts, and the HTTP middleware that began the context reads them after the endpoint ran.
/// Without a context (library use) the wrappers act on their own: they admit, cache and audit each call.
/// </summary>
public sealed class OperationsRequestContext
{
    private static readonly AsyncLocal<OperationsRequestContext?> CurrentSlot = new();

    public static OperationsRequestContext? Current => CurrentSlot.Value;

    /// <summary>Makes <paramref name="context"/> current for this async flow until the returned scope is disposed.</summary>
    public static IDisposable Begin(OperationsRequestContext context)
    {
        var previous = CurrentSlot.Value;
        CurrentSlot.Value = context;
        return new Scope(previous);
    }

    /// <summary>The key's id, or null when the server runs without keys.</summary>
    public string? KeyId { get; init; }

    public RateLimitPolicy Limits { get; init; } = RateLimitPolicy.Unlimited;

    /// <summary>Set when the host admitted the request already: wrappers then only record the real token usage on it.</summary>
    public RateLimitTicket? Ticket { get; set; }

    /// <summary>"/v1/chat/completions" and the like; "chat" for library calls.</summary>
    public string Endpoint { get; init; } = "chat";

    /// <summary>"hit" or "miss" once the cache saw the request; null when it was not cacheable.</summary>
    public string? CacheStatus { get; set; }

    /// <summary>When set, the host writes the audit record (with the HTTP status) and the wrappers only fill this draft.</summary>
    public AuditDraft? Audit { get; init; }

    private sealed class Scope(OperationsRequestContext? previous) : IDisposable
    {
        public void Dispose() => CurrentSlot.Value = previous;
    }
}
