using Loom.Core;

namespace Loom.Services.Remote;

/// <summary>
/// One model served by a remote OpenAI-compatible API (config Remote:Models:{Name}:{Endpoint,ApiKey,Model}).
/// <see cref="Endpoint"/> is the API's base address including its version path ("https://api.example.com/v1",
/// "http://10.0.0.5:8080/v1"); <see cref="Model"/> is the remote's own name for it (defaults to <see cref="Name"/>).
/// </summary>
public sealed record RemoteModelOptions(string Name, Uri Endpoint, string? ApiKey, string Model, int ContextLength = RemoteModelOptions.DefaultContextLength)
{
    /// <summary>What a remote model reports as its context when not configured: the remote enforces its own limit.</summary>
    public const int DefaultContextLength = 131072;

    /// <summary>Checks and builds options from configuration text; errors name the config key.</summary>
    public static RemoteModelOptions Parse(string name, string? endpoint, string? apiKey, string? model, int? contextLength = null)
    {
        if (string.IsNullOrWhiteSpace(endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw LoomException.Argument($"Remote:Models:{name}:Endpoint: expected an http(s) URL such as https://api.example.com/v1, found '{endpoint}'");
        if (contextLength is <= 0)
            throw LoomException.Argument($"Remote:Models:{name}:ContextLength: expected a positive number, found {contextLength}");
        return new RemoteModelOptions(name, uri, string.IsNullOrEmpty(apiKey) ? null : apiKey, string.IsNullOrWhiteSpace(model) ? name : model,
            contextLength ?? DefaultContextLength);
    }
}
