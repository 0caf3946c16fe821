using Loom.Models.Imaging;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Services.Remote;

/// <summary>
/// A catalog decorator for hybrid deployments: the inner catalog's local models plus the configured remote ones,
/// which list with kind "remote" and chat through a <see cref="RemoteChatClient"/>. A configured remote name takes
/// precedence over a local model of the same name (configuration is the explicit choice).
/// </summary>
public sealed class RemoteModelCatalog : IModelCatalog
{
    private readonly IModelCatalog _inner;
    private readonly Dictionary<string, RemoteServedModel> _remotes;

    public RemoteModelCatalog(IModelCatalog inner, IEnumerable<RemoteModelOptions> remotes, HttpClient? http = null)
    {
        _inner = inner;
        _remotes = remotes.ToDictionary(r => r.Name, r => new RemoteServedModel(r, http), StringComparer.Ordinal);
    }

    public IReadOnlyList<ServedModelInfo> List() =>
        [.. _inner.List().Where(m => !_remotes.ContainsKey(m.Id)).Concat(_remotes.Values.Select(r => r.Info)).OrderBy(m => m.Id, StringComparer.Ordinal)];

    public ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default) =>
        _remotes.TryGetValue(id, out var remote) ? ValueTask.FromResult(new ModelLease(remote, () => { })) : _inner.AcquireAsync(id, cancellation);

    private sealed class RemoteServedModel(RemoteModelOptions options, HttpClient? http) : IServedModel
    {
        public ServedModelInfo Info { get; } = new(options.Name, ModelCapabilities.Chat, "remote", options.Endpoint.ToString(), DateTimeOffset.UnixEpoch);

        public int ContextLength => options.ContextLength;

        public IChatClient? Chat { get; } = new RemoteChatClient(options, http);

        public ITextCompleter? Completions => null;

        public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => null;

        public IImageModel? Images => null;

        public IServedTokenizer? Tokenizer => null;
    }
}

/// <summary>A catalog with no models: what a server with only remote models decorates.</summary>
public sealed class EmptyModelCatalog : IModelCatalog
{
    public IReadOnlyList<ServedModelInfo> List() => [];

    public ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default) =>
        throw Loom.Core.LoomException.Argument($"unknown model '{id}'; this server has no local models");
}
