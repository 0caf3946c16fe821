namespace Loom.Server.Hosting;

/// <summary>
/// Everything the host reads from configuration section "Server" (appsettings.json or --config FILE, then
/// LOOM_Server__Key environment variables, then `loom serve` flags). Every field has a default that serves a local
/// models directory on loopback.
/// </summary>
public sealed record ServerOptions
{
    public const string Section = "Server";

    /// <summary>Directory of models: Loom model directories (loom.json) and .gguf files. Relative to the working directory.</summary>
    public string Models { get; init; } = "models";

    /// <summary>Address to bind: an IP address, "localhost" (loopback) or "*" / "0.0.0.0" (every interface).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests), read back from <see cref="LoomServer.BaseAddress"/>.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Data directory (keys, audit, prompts) for the operations layer; null: its default (~/.loom).</summary>
    public string? Data { get; init; }

    /// <summary>Serve without API keys on a non-loopback address; must be asked for explicitly.</summary>
    public bool NoAuth { get; init; }

    /// <summary>Largest `n` (choices per request) accepted; each choice is a sequence in the engine.</summary>
    public int MaxChoices { get; init; } = 8;

    /// <summary>Largest number of images one /v1/images/generations request may ask for.</summary>
    public int MaxImages { get; init; } = 8;

    /// <summary>A loaded model unused (no request) for this many seconds is unloaded.</summary>
    public int IdleUnloadSeconds { get; init; } = 600;

    /// <summary>Context length GGUF models are loaded with (their KV caches grow to it); null: each file's own.</summary>
    public int? ContextLength { get; init; }

    /// <summary>After this many seconds with no request in flight, the server runs one compacting collection and
    /// gives the freed memory back (<see cref="IdleMemoryTrimmer"/>); 0 never.</summary>
    public int IdleTrimSeconds { get; init; } = 2;

    /// <summary>Largest request body in bytes; a bigger one is a 413 before any parsing.</summary>
    public long MaxRequestBytes { get; init; } = 8 * 1024 * 1024;
}
