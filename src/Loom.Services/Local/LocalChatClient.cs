using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// <see cref="IChatClient"/> over a local model: the conversation goes through the model's chat template (tools
/// passed into it when the request has any), then the engine streams the reply. The non-streaming call collects
/// the same updates, so both honour every option the same way.
/// </summary>
internal sealed class LocalChatClient(TextModelParts model, ServedModelInfo info) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        int[] prompt = model.EncodeChat([.. messages], options);
        return model.Stream(prompt, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("loom", null, info.Id)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The model's lifetime belongs to the catalog.
    }
}

/// <summary>Raw-prompt completion over the same engine (no chat template).</summary>
internal sealed class LocalTextCompleter(TextModelParts model) : ITextCompleter
{
    public IAsyncEnumerable<ChatResponseUpdate> CompleteStreamingAsync(string prompt, ChatOptions? options = null, CancellationToken cancellation = default) =>
        model.Stream(model.EncodeCompletion(prompt), options, cancellation);
}
