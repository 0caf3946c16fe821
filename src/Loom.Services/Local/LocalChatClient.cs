using Loom.Core;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// <see cref="IChatClient"/> over a local model: the conversation goes through the model's chat template, then the
/// engine streams the reply. The non-streaming call collects the same updates, so both honour every option the same
/// way.
/// </summary>
/// <remarks>
/// Tools follow OpenAI's tool_choice: none (or no tools) — the template does not see them and nothing is parsed;
/// auto — the template renders them and the reply is searched for calls (<see cref="ToolCallStream"/>); required or
/// a named function — the call is forced by constrained decoding (<see cref="ToolChoiceConstraint"/>). A model whose
/// template cannot render tools refuses a request that offers any (unless tool_choice is none).
/// </remarks>
internal sealed class LocalChatClient(TextModelParts model, ServedModelInfo info) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        var mode = options?.ToolMode ?? ChatToolMode.Auto;
        if (tools.Count == 0 || mode is NoneChatToolMode)
            return model.Stream(model.EncodeChat([.. messages], null, ""), options, cancellationToken);

        var syntax = model.ToolSyntax ?? throw new LoomException(LoomErrorCode.NotSupported,
            $"model '{model.Id}': its chat template does not support tools (the model has none, or it never renders the 'tools' variable); send the request without 'tools' or with tool_choice 'none'");
        var names = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (mode is not RequiredChatToolMode required)
        {
            var free = model.Stream(model.EncodeChat([.. messages], tools, ""), options, cancellationToken);
            return ToolCallStream.Filter(free, names, captureAll: false, syntax.NewCallId, cancellationToken);
        }
        var allowed = tools;
        if (required.RequiredFunctionName is { } name)
        {
            allowed = tools.Where(t => t.Name == name).ToList();
            if (allowed.Count == 0)
                throw LoomException.Argument($"tool_choice: function '{name}' is not among the request's tools ({string.Join(", ", names)})");
        }
        ITokenConstraint constraint = ToolChoiceConstraint.Create(allowed, syntax, model.Vocabulary);
        // The template's call prefix goes into the prompt, so the model writes only the JSON of the call.
        var forced = model.Stream(model.EncodeChat([.. messages], tools, syntax.CallPrefix), options, cancellationToken, constraint);
        return ToolCallStream.Filter(forced, names, captureAll: true, syntax.NewCallId, cancellationToken);
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
