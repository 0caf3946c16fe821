namespace Loom.Services.Operations.Limits;

/// <summary>
/// A request refused by a key's rate limit. Not a LoomException: it is not the caller's malformed input but a
/// "try again later", which the server turns into 429 rate_limit_exceeded with a Retry-After header.
/// </summary>
public sealed class RateLimitExceededException(string keyId, int retryAfterSeconds, string reason)
    : Exception($"rate limit exceeded for key {keyId}: {reason}; retry after {retryAfterSeconds} s")
{
    public string KeyId { get; } = keyId;

    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
