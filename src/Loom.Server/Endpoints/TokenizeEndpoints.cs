using System.Text.Json.Nodes;
using Loom.Server.Errors;
using Loom.Server.Json;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// POST /v1/tokenize {model, text | prompt, add_special?} → {tokens, count}; POST /v1/detokenize {model, tokens} →
/// {text}. add_special (default true) adds the tokens the model puts around a prompt (e.g. BOS).
/// </summary>
public static class TokenizeEndpoints
{
    public static async Task TokenizeAsync(HttpContext context, IModelCatalog catalog)
    {
        using var body = await RequestBody.ReadAsync(context);
        var fields = new JsonFields(body.RootElement, "");
        string modelId = fields.RequiredString("model");
        string text = fields.String("text") ?? fields.String("prompt") ?? throw ApiException.Missing("text");
        bool addSpecial = fields.Bool("add_special") ?? true;
        using var lease = await AcquireAsync(catalog, modelId, context);
        int[] tokens = lease.Model.Tokenizer!.Encode(text, addSpecial);
        await Results.Json(new JsonObject
        {
            ["model"] = modelId,
            ["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)t)]),
            ["count"] = tokens.Length,
            ["max_model_len"] = lease.Model.ContextLength,
        }).ExecuteAsync(context);
    }

    public static async Task DetokenizeAsync(HttpContext context, IModelCatalog catalog)
    {
        using var body = await RequestBody.ReadAsync(context);
        var fields = new JsonFields(body.RootElement, "");
        string modelId = fields.RequiredString("model");
        var array = fields.Array("tokens") ?? throw ApiException.Missing("tokens");
        int[] tokens = TokenIds.Read(array, "tokens");
        using var lease = await AcquireAsync(catalog, modelId, context);
        TokenIds.CheckRange(tokens, lease.Model.Tokenizer!, "tokens");
        await Results.Json(new JsonObject { ["model"] = modelId, ["text"] = lease.Model.Tokenizer!.Decode(tokens) }).ExecuteAsync(context);
    }

    private static async Task<ModelLease> AcquireAsync(IModelCatalog catalog, string modelId, HttpContext context)
    {
        var lease = await ModelAccess.AcquireAsync(catalog, modelId, ModelCapabilities.Chat | ModelCapabilities.Completion | ModelCapabilities.Embeddings,
            "/v1/tokenize and /v1/detokenize", context);
        if (lease.Model.Tokenizer is not null) return lease;
        lease.Dispose();
        throw ApiException.BadRequest($"Model '{modelId}' has no tokenizer.", "model", "model_not_supported");
    }
}
