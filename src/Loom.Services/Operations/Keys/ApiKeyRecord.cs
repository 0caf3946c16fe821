namespace Loom.Services.Operations.Keys;

/// <summary>
/// One API key as stored: never the key itself, only its SHA-256 hash. An empty <see cref="Models"/> list allows
/// every model; null limits fall back to the server-wide defaults.
/// </summary>
public sealed record ApiKeyRecord(
    string Id,
    string Name,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Models,
    int? RequestsPerMinute,
    int? TokensPerMinute,
    DateTimeOffset Created,
    DateTimeOffset? Revoked)
{
    public bool IsRevoked => Revoked is not null;

    public bool HasScope(string scope) => Scopes.Contains(ApiKeyScopes.Admin) || Scopes.Contains(scope);

    public bool AllowsModel(string model) => Models.Count == 0 || Models.Contains(model, StringComparer.Ordinal);
}

/// <summary>The scopes a key can carry: one per kind of endpoint, and admin (everything, including prompt writes).</summary>
public static class ApiKeyScopes
{
    public const string Chat = "chat";
    public const string Completions = "completions";
    public const string Embeddings = "embeddings";
    public const string Images = "images";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Chat, Completions, Embeddings, Images, Admin];

    /// <summary>What a key gets when created without --scopes: every model-using scope, not admin.</summary>
    public static readonly IReadOnlyList<string> Default = [Chat, Completions, Embeddings, Images];
}

/// <summary>A newly created key: the secret (shown once, never stored) and its record.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record);
