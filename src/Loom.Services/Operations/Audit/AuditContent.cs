using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    /// <summary>The conversation as one text ("role: text" per line) — what the audit hashes or keeps. Tool calls and
    /// tool results are part of it (<see cref="Text(IEnumerable{AIContent})"/>).</summary>
    public static string Transcript(IEnumerable<ChatMessage> messages)
    {
        var builder = new StringBuilder();
        foreach (var message in messages)
            builder.Append(message.Role.Value).Append(": ").Append(Text(message.Contents)).Append('\n');
        return builder.ToString();
    }

    /// <summary>The text of some contents as the audit keeps it: text as is, a tool call as
    /// "tool_call name {arguments}", a tool result as "tool_result id: result", so a reply that only called tools is
    /// not recorded as empty.</summary>
    public static string Text(IEnumerable<AIContent> contents)
    {
        var builder = new StringBuilder();
        foreach (var content in contents)
        {
            switch (content)
            {
                case TextContent text:
                    builder.Append(text.Text);
                    break;
                case FunctionCallContent call:
                    if (builder.Length > 0) builder.Append('\n');
                    builder.Append("tool_call ").Append(call.Name).Append(' ').Append(JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>()));
                    break;
                case FunctionResultContent result:
                    if (builder.Length > 0) builder.Append('\n');
                    builder.Append("tool_result ").Append(result.CallId).Append(": ")
                        .Append(result.Result is string s ? s : JsonSerializer.Serialize(result.Result));
                    break;
            }
        }
        return builder.ToString();
    }
}
