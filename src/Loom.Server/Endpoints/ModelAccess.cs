using System.Globalization;
using Loom.Server.Errors;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// Gets the model a request names: 404 model_not_found for an id the catalog does not list, 400 when the model
/// cannot serve this endpoint (chat on an image model), and the prompt-length check against its context.
/// </summary>
public static class ModelAccess
{
    public static async Task<ModelLease> AcquireAsync(IModelCatalog catalog, string id, ModelCapabilities needed, string endpoint, HttpContext context)
    {
        var known = catalog.List();
        var info = known.FirstOrDefault(m => m.Id == id) ?? throw ApiException.ModelNotFound(id, known.Select(m => m.Id));
        if ((info.Capabilities & needed) == 0)
            throw NotSupported(info, endpoint);
        context.Features.Set(new LoomRequestFeature { Model = id });
        var lease = await catalog.AcquireAsync(id, context.RequestAborted);
        bool has = needed switch
        {
            ModelCapabilities.Chat => lease.Model.Chat is not null,
            ModelCapabilities.Completion => lease.Model.Completions is not null,
            ModelCapabilities.Embeddings => lease.Model.Embeddings is not null,
            ModelCapabilities.Images => lease.Model.Images is not null,
            _ => true,
        };
        if (!has)
        {
            lease.Dispose();
            throw NotSupported(info, endpoint);
        }
        return lease;
    }

    private static ApiException NotSupported(ServedModelInfo info, string endpoint) =>
        ApiException.BadRequest($"The model '{info.Id}' ({info.Kind}; can do: {info.Capabilities}) is not supported by {endpoint}.",
            "model", "model_not_supported");

    /// <summary>
    /// A prompt that does not fit is an error, never truncated: prompt tokens (+ max_tokens when given) must fit in the
    /// context, and at least one token must be left to generate.
    /// </summary>
    public static int CheckContext(IServedModel model, string prompt, int? maxTokens, string param, string maxTokensParam)
    {
        if (model.Tokenizer is null || model.ContextLength <= 0) return 0;
        int promptTokens = model.Tokenizer.Encode(prompt, addSpecial: true).Length;
        CheckContext(model, promptTokens, maxTokens, param, maxTokensParam);
        return promptTokens;
    }

    public static void CheckContext(IServedModel model, int promptTokens, int? maxTokens, string param, string maxTokensParam)
    {
        if (model.ContextLength <= 0) return;
        int context = model.ContextLength;
        long needed = promptTokens + (long)(maxTokens ?? 1);
        if (needed <= context) return;
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        string message = maxTokens is { } max
            ? $"This model's maximum context length is {I(context)} tokens. However, you requested {I(needed)} tokens ({I(promptTokens)} in the prompt, {I(max)} for the completion). Please reduce the prompt or '{maxTokensParam}'."
            : $"This model's maximum context length is {I(context)} tokens, and the prompt has {I(promptTokens)} tokens, leaving none to generate. Please reduce the prompt.";
        throw ApiException.BadRequest(message, param, "context_length_exceeded");
    }
}

/// <summary>What the endpoints learned about a request (model, token counts), for the operations layer's audit and limits.</summary>
public sealed class LoomRequestFeature
{
    public string? Model { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
}
