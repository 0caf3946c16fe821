using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Services.Operations.Prompts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Loom.Server.Operations;

/// <summary>
/// Versioned prompt templates over HTTP: POST /v1/prompts (new version; body {"id", "messages": [{role, content}]
/// or "template": "text", "description"?}), GET /v1/prompts (latest of each), GET /v1/prompts/{id} (latest),
/// GET /v1/prompts/{id}/versions/{n}, POST /v1/prompts/{id}/render ({"version"?, "variables": {name: value}}).
/// </summary>
public static class PromptEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/prompts", CreateAsync);
        app.MapGet("/v1/prompts", ListAsync);
        app.MapGet("/v1/prompts/{id}", (HttpContext c, OperationsState s, string id) => GetAsync(c, s, id, null));
        app.MapGet("/v1/prompts/{id}/versions/{version}", (HttpContext c, OperationsState s, string id, string version) =>
            int.TryParse(version, out int n) && n > 0
                ? GetAsync(c, s, id, n)
                : OperationsErrors.WriteAsync(c, 400, $"version must be a positive whole number, found '{version}'", "invalid_request_error", "invalid_value", "version"));
        app.MapPost("/v1/prompts/{id}/render", RenderAsync);
    }

    private static Task CreateAsync(HttpContext context, OperationsState state) => Guard(context, async () =>
    {
        var body = await ReadObjectAsync(context);
        string id = Text(body, "id") ?? throw LoomException.Argument("Missing required parameter: 'id'");
        List<PromptMessage> messages = [];
        if (body["messages"] is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject m || Text(m, "content") is not { } content)
                    throw LoomException.Argument($"messages[{i}]: expected an object with 'role' and string 'content'");
                messages.Add(new PromptMessage(Text(m, "role") ?? "user", content));
            }
        }
        else if (Text(body, "template") is { } template)
        {
            messages.Add(new PromptMessage("user", template));
        }
        else throw LoomException.Argument("Missing required parameter: 'messages' (or 'template')");
        var created = await state.Prompts.CreateAsync(id, messages, Text(body, "description"), context.RequestAborted);
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(ToJson(created));
    });

    private static Task ListAsync(HttpContext context, OperationsState state) => Guard(context, async () =>
    {
        var data = new JsonArray([.. (await state.Prompts.ListAsync(context.RequestAborted)).Select(t => (JsonNode)ToJson(t))]);
        await context.Response.WriteAsJsonAsync(new JsonObject { ["object"] = "list", ["data"] = data });
    });

    private static Task GetAsync(HttpContext context, OperationsState state, string id, int? version) => Guard(context, async () =>
        await context.Response.WriteAsJsonAsync(ToJson(await state.Prompts.GetAsync(id, version, context.RequestAborted))));

    private static Task RenderAsync(HttpContext context, OperationsState state, string id) => Guard(context, async () =>
    {
        var body = await ReadObjectAsync(context);
        body["id"] = id;
        var (_, version, variables) = ReadReference(body, "");
        var template = await state.Prompts.GetAsync(id, version, context.RequestAborted);
        var messages = PromptRenderer.Render(template, variables);
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = template.Id,
            ["version"] = template.Version,
            ["messages"] = Messages(messages),
        });
    });

    /// <summary>{"id", "version"?, "variables"?} as a chat request's "prompt" or a render body carries it; errors name <paramref name="param"/>.</summary>
    public static (string Id, int? Version, IReadOnlyDictionary<string, string> Variables) ReadReference(JsonObject reference, string param)
    {
        string prefix = param.Length == 0 ? "" : param + ".";
        string id = Text(reference, "id") ?? throw LoomException.Argument($"Missing required parameter: '{prefix}id'");
        int? version = null;
        if (reference["version"] is JsonNode v && v.GetValueKind() != JsonValueKind.Null)
        {
            if (v.GetValueKind() != JsonValueKind.Number || !v.AsValue().TryGetValue(out int n) || n < 1)
                throw LoomException.Argument($"'{prefix}version': expected a positive whole number, found {v.ToJsonString()}");
            version = n;
        }
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reference["variables"] is JsonObject vars)
        {
            foreach (var (name, value) in vars)
            {
                variables[name] = value?.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
                    _ => throw LoomException.Argument($"'{prefix}variables.{name}': expected a string, number or boolean, found {value?.ToJsonString() ?? "null"}"),
                };
            }
        }
        else if (reference["variables"] is JsonNode other && other.GetValueKind() != JsonValueKind.Null)
            throw LoomException.Argument($"'{prefix}variables': expected an object of name → value, found {other.ToJsonString()}");
        return (id, version, variables);
    }

    public static JsonObject ToJson(PromptTemplate template) => new()
    {
        ["id"] = template.Id,
        ["object"] = "prompt",
        ["version"] = template.Version,
        ["messages"] = Messages(template.Messages),
        ["variables"] = new JsonArray([.. template.Variables.Select(v => (JsonNode)v)]),
        ["description"] = template.Description,
        ["created"] = template.Created.ToUnixTimeSeconds(),
    };

    private static JsonArray Messages(IEnumerable<PromptMessage> messages) =>
        new([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]);

    private static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw LoomException.Argument("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw LoomException.Argument($"The request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Client mistakes as 400, unknown prompts as 404, in OpenAI's error shape.</summary>
    private static async Task Guard(HttpContext context, Func<Task> handle)
    {
        try
        {
            await handle();
        }
        catch (LoomException e) when (e.Code != LoomErrorCode.Internal)
        {
            await OperationsErrors.WriteAsync(context, 400, e.Message, "invalid_request_error", "invalid_prompt");
        }
        catch (PromptNotFoundException e)
        {
            await OperationsErrors.WriteAsync(context, 404, e.Message, "not_found_error", "prompt_not_found");
        }
    }
}
