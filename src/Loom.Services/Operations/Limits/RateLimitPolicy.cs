namespace Loom.Services.Operations.Limits;

/// <summary>A key's budget per sliding minute: requests and tokens (prompt + completion). Null means unlimited.</summary>
public sealed record RateLimitPolicy(int? RequestsPerMinute, int? TokensPerMinute)
{
    public static readonly RateLimitPolicy Unlimited = new(null, null);

    /// <summary>The key's own limits where it has them, else the server's defaults.</summary>
    public static RateLimitPolicy For(int? keyRpm, int? keyTpm, RateLimitPolicy defaults) =>
        new(keyRpm ?? defaults.RequestsPerMinute, keyTpm ?? defaults.TokensPerMinute);
}

/// <summary>The limiter's answer: admitted (with a ticket to record actual usage on) or refused with a wait in whole seconds.</summary>
public sealed record RateLimitDecision(bool Allowed, RateLimitTicket? Ticket, int RetryAfterSeconds, string? Reason);

/// <summary>
/// One admitted request's place in its key's window. Its token count starts as the pre-request estimate and is
/// replaced by the real usage (<see cref="RateLimiter.RecordUsage"/>) when the response has finished.
/// </summary>
public sealed class RateLimitTicket
{
    internal RateLimitTicket(string key, long timeMs, long tokens)
    {
        Key = key;
        TimeMs = timeMs;
        Tokens = tokens;
    }

    public string Key { get; }

    internal long TimeMs { get; }

    internal long Tokens { get; set; }

    /// <summary>False while <see cref="Tokens"/> is still the estimate; the first real usage replaces it, later ones add (n choices).</summary>
    internal bool Recorded { get; set; }
}
