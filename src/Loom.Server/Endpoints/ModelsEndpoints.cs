using System.Text.Json.Nodes;
using Loom.Server.Errors;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// GET /v1/models and /v1/models/{id}: OpenAI's model objects plus Loom fields the playground and scripts use:
/// loom_kind ("gguf", "transformer-lm", an image family) and loom_capabilities (["chat", "completion", …]).
/// </summary>
public static class ModelsEndpoints
{
    public static Task ListAsync(HttpContext context, IModelCatalog catalog) =>
        Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. catalog.List().Select(m => (JsonNode)ModelObject(m))]),
        }).ExecuteAsync(context);

    public static Task GetAsync(HttpContext context, IModelCatalog catalog, string id)
    {
        var known = catalog.List();
        var info = known.FirstOrDefault(m => m.Id == id) ?? throw ApiException.ModelNotFound(id, known.Select(m => m.Id));
        return Results.Json(ModelObject(info)).ExecuteAsync(context);
    }

    public static JsonObject ModelObject(ServedModelInfo info) => new()
    {
        ["id"] = info.Id,
        ["object"] = "model",
        ["created"] = info.Created.ToUnixTimeSeconds(),
        ["owned_by"] = "loom",
        ["loom_kind"] = info.Kind,
        ["loom_capabilities"] = new JsonArray([.. CapabilityNames(info.Capabilities).Select(c => (JsonNode)c)]),
    };

    public static IEnumerable<string> CapabilityNames(ModelCapabilities capabilities)
    {
        if (capabilities.HasFlag(ModelCapabilities.Chat)) yield return "chat";
        if (capabilities.HasFlag(ModelCapabilities.Completion)) yield return "completion";
        if (capabilities.HasFlag(ModelCapabilities.Embeddings)) yield return "embeddings";
        if (capabilities.HasFlag(ModelCapabilities.Images)) yield return "images";
    }
}
