using System.Security.Cryptography;
using System.Text;
using Loom.Core;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Audit;

/// <summary>Turns request/response text into what a record keeps under the configured content mode.</summary>
public static class AuditContent
{
    public static AuditContentMode Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "full" => AuditContentMode.Full,
        "hash" => AuditContentMode.Hash,
        "none" => AuditContentMode.None,
        _ => throw LoomException.Argument($"Audit:Content: expected full, hash or none, found '{text}'"),
    };

    /// <summary>A record for a finished request, with text kept, hashed or dropped per <paramref name="mode"/>.</summary>
    public static AuditRecord Record(AuditContentMode mode, DateTimeOffset time, string? keyId, string endpoint, string? model,
        int promptTokens, int completionTokens, double latencyMs, int status, string? prompt, string? response) =>
        new(time, keyId, endpoint, model, promptTokens, completionTokens, latencyMs, status,
            mode == AuditContentMode.Full ? prompt : null,
            mode == AuditContentMode.Full ? response : null,
            mode != AuditContentMode.None && prompt is not null ? Sha256(prompt) : null,
            mode != AuditContentMode.None && response is not null ? Sha256(response) : null);

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The conversation as one text ("role: text" per line) — what the audit hashes or keeps.</summary>
    public static string Transcript(IEnumerable<ChatMessage> messages)
    {
        var builder = new StringBuilder();
        foreach (var message in messages)
            builder.Append(message.Role.Value).Append(": ").Append(message.Text).Append('\n');
        return builder.ToString();
    }
}
