namespace Loom.Services.Models;

/// <summary>
/// The models a server (or any host) can use: discovered in a directory (Loom model directories and .gguf files),
/// loaded on first use, unloaded when idle. Thread-safe: many requests ask at once.
/// </summary>
public interface IModelCatalog
{
    /// <summary>Every model that can be served, loaded or not, sorted by id.</summary>
    IReadOnlyList<ServedModelInfo> List();

    /// <summary>
    /// The model <paramref name="id"/>, loading it when it is not loaded. An unknown id is a LoomException with
    /// code NotFound that names the id and the known ones; a model that fails to load names the file and the field.
    /// The lease keeps the model loaded until it is disposed (the idle unloader never unloads a leased model).
    /// </summary>
    ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default);
}

/// <summary>What a model can do, for /v1/models and for routing a request to the right endpoint.</summary>
[Flags]
public enum ModelCapabilities
{
    None = 0,
    Chat = 1,
    Completion = 2,
    Embeddings = 4,
    Images = 8,
}

/// <summary>One servable model: its id (file or directory name), what it can do, its kind ("gguf", "transformer-lm", "diffusion", …) and where it is.</summary>
public sealed record ServedModelInfo(string Id, ModelCapabilities Capabilities, string Kind, string Path, DateTimeOffset Created);

/// <summary>A loaded model held for the length of a request.</summary>
public sealed class ModelLease(IServedModel model, Action release) : IDisposable
{
    private int _released;

    public IServedModel Model { get; } = model;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) release();
    }
}
