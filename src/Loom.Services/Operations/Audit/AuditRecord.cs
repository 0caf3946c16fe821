namespace Loom.Services.Operations.Audit;

/// <summary>
/// One request as the audit log keeps it. Prompt/response text is present only in <see cref="AuditContentMode.Full"/>;
/// their SHA-256 hashes in Full and Hash; neither in None. <see cref="Instance"/> names the process that wrote it
/// (host:pid) so records from several servers sharing one database can be told apart.
/// </summary>
public sealed record AuditRecord(
    DateTimeOffset Time,
    string? KeyId,
    string Endpoint,
    string? Model,
    int PromptTokens,
    int CompletionTokens,
    double LatencyMs,
    int Status,
    string? Prompt,
    string? Response,
    string? PromptSha256,
    string? ResponseSha256,
    string? Instance = null);

/// <summary>Audit:Content — how much of the text a record keeps.</summary>
public enum AuditContentMode
{
    /// <summary>Text and hashes.</summary>
    Full,
    /// <summary>Only SHA-256 hashes of the text: proves what was said without keeping it.</summary>
    Hash,
    /// <summary>Neither text nor hashes: metadata only.</summary>
    None,
}

/// <summary>
/// What the wrappers learn about a request while it runs (model, token counts, text); the host completes it with
/// the HTTP status and latency and turns it into one <see cref="AuditRecord"/>.
/// </summary>
public sealed class AuditDraft
{
    public string? Model { get; set; }

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    public string? Prompt { get; set; }

    public string? Response { get; set; }
}
