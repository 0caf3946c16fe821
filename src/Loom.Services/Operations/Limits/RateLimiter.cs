namespace Loom.Services.Operations.Limits;

/// <summary>
/// Per-key sliding-window limits over the last 60 s: every admitted request is an entry (time, tokens). A request is
/// admitted when the window holds fewer than RPM entries and its tokens plus the estimate fit in TPM; otherwise the
/// answer names how many whole seconds until enough entries leave the window (Retry-After). A window without tokens
/// always admits one request whatever its estimate, so a prompt larger than the budget is not refused forever.
/// The clock is a TimeProvider so tests step time by hand. Thread-safe (one lock per key).
/// </summary>
public sealed class RateLimiter(TimeProvider? time = null)
{
    public const long WindowMs = 60_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, LinkedList<RateLimitTicket>> _windows = new(StringComparer.Ordinal);

    /// <summary>Admits (and counts) one request for <paramref name="key"/> with an estimate of its tokens, or refuses it.</summary>
    public RateLimitDecision TryAdmit(string key, RateLimitPolicy policy, long estimatedTokens)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var window = Window(key);
        lock (window)
        {
            Expire(window, now);
            if (policy.RequestsPerMinute is int rpm && window.Count >= rpm)
            {
                // The oldest entries must leave until one slot is free.
                var freeing = window.ElementAt(window.Count - rpm);
                return Refuse(now, freeing, $"requests per minute limit {rpm} reached");
            }
            long used = window.Sum(t => t.Tokens);
            if (policy.TokensPerMinute is int tpm && used > 0 && used + estimatedTokens > tpm)
            {
                long freed = 0;
                foreach (var entry in window)
                {
                    freed += entry.Tokens;
                    if (used - freed + estimatedTokens <= tpm || used - freed == 0)
                        return Refuse(now, entry, $"tokens per minute limit {tpm} reached ({used} used in the last minute)");
                }
            }
            var ticket = new RateLimitTicket(key, now, Math.Max(0, estimatedTokens));
            window.AddLast(ticket);
            return new RateLimitDecision(true, ticket, 0, null);
        }
    }

    /// <summary>
    /// Replaces the ticket's estimate by the tokens the request really used; a second call on the same ticket adds
    /// (a request with n choices runs the model n times under one admission).
    /// </summary>
    public void RecordUsage(RateLimitTicket ticket, long tokens)
    {
        var window = Window(ticket.Key);
        lock (window)
        {
            ticket.Tokens = (ticket.Recorded ? ticket.Tokens : 0) + Math.Max(0, tokens);
            ticket.Recorded = true;
        }
    }

    /// <summary>Tokens counted for <paramref name="key"/> in the current window (for tests and diagnostics).</summary>
    public long TokensInWindow(string key)
    {
        var window = Window(key);
        lock (window)
        {
            Expire(window, _time.GetUtcNow().ToUnixTimeMilliseconds());
            return window.Sum(t => t.Tokens);
        }
    }

    private LinkedList<RateLimitTicket> Window(string key)
    {
        lock (_windows)
        {
            if (!_windows.TryGetValue(key, out var window)) _windows[key] = window = new LinkedList<RateLimitTicket>();
            return window;
        }
    }

    private static void Expire(LinkedList<RateLimitTicket> window, long now)
    {
        while (window.First is { } first && first.Value.TimeMs + WindowMs <= now) window.RemoveFirst();
    }

    private static RateLimitDecision Refuse(long now, RateLimitTicket freeing, string reason)
    {
        long waitMs = freeing.TimeMs + WindowMs - now;
        int seconds = (int)Math.Max(1, (waitMs + 999) / 1000);
        return new RateLimitDecision(false, null, seconds, reason);
    }
}
