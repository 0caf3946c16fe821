using Loom.Models.Imaging;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations;

/// <summary>
/// A catalog decorator that hands out every model with its Chat, Completions and Embeddings wrapped by the <see cref="ChatPipeline"/>,
/// so whatever serves a request (the HTTP endpoints, a CLI, a test) gets limits, audit and cache without knowing
/// about them. Listing, loading and leases are the inner catalog's.
/// </summary>
public sealed class OperationsModelCatalog(IModelCatalog inner, ChatPipeline pipeline) : IModelCatalog
{
    public IModelCatalog Inner { get; } = inner;

    public IReadOnlyList<ServedModelInfo> List() => Inner.List();

    public async ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default)
    {
        var lease = await Inner.AcquireAsync(id, cancellation).ConfigureAwait(false);
        return new ModelLease(new PipelinedModel(lease.Model, pipeline), lease.Dispose);
    }

    private sealed class PipelinedModel(IServedModel model, ChatPipeline pipeline) : IServedModel
    {
        public ServedModelInfo Info => model.Info;

        public int ContextLength => model.ContextLength;

        public IChatClient? Chat { get; } = model.Chat is { } chat ? pipeline.Wrap(chat, model.Info.Id) : null;

        public ITextCompleter? Completions { get; } = model.Completions is { } completions ? pipeline.Wrap(completions, model.Info.Id) : null;

        public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; } =
            model.Embeddings is { } embeddings ? pipeline.Wrap(embeddings, model.Info.Id) : null;

        public IImageModel? Images => model.Images;

        public IServedTokenizer? Tokenizer => model.Tokenizer;
    }
}
