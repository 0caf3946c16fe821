using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Services.Operations;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Limits;
using Loom.Services.Operations.Prompts;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Operations;

/// <summary>
/// Guards every /v1 request, in this order: API key (401 when keys exist and none or a wrong one is sent) → scope
/// for the endpoint (403) → the request's "model" against the key's allow-list (403) → a chat request's
/// "prompt": {id, version, variables} rendered into its messages (400 missing variable, 404 unknown prompt) → the
/// key's rate limits (429 + Retry-After; tokens estimated from the body, corrected by the wrappers from real usage).
/// Then it opens the <see cref="OperationsRequestContext"/> the wrappers read, runs the endpoint, sets
/// x-loom-cache, and writes one audit record with the final status — refusals included.
/// </summary>
public sealed class OperationsMiddleware(RequestDelegate next, OperationsState state)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        var draft = new AuditDraft();
        ApiKeyRecord? key = null;
        try
        {
            key = await AuthorizeAsync(context, draft);
            if (context.Response.HasStarted || context.Response.StatusCode >= 400) return;

            var policy = key is null ? state.Options.DefaultLimits : RateLimitPolicy.For(key.RequestsPerMinute, key.TokensPerMinute, state.Options.DefaultLimits);
            long estimate = Math.Max(0, context.Request.ContentLength ?? 0) / 4;
            var decision = state.Limiter.TryAdmit(key?.Id ?? "anonymous", policy, estimate);
            if (!decision.Allowed)
            {
                await OperationsErrors.RateLimited(context, decision.RetryAfterSeconds, decision.Reason!);
                return;
            }
            var operations = new OperationsRequestContext
            {
                KeyId = key?.Id,
                Limits = policy,
                Ticket = decision.Ticket,
                Endpoint = context.Request.Path.Value ?? "",
                Audit = draft,
            };
            context.Response.OnStarting(() =>
            {
                if (operations.CacheStatus is { } cache) context.Response.Headers["x-loom-cache"] = cache;
                return Task.CompletedTask;
            });
            using (OperationsRequestContext.Begin(operations))
            {
                try
                {
                    await next(context);
                }
                catch (RateLimitExceededException e)
                {
                    if (context.Response.HasStarted) throw;
                    await OperationsErrors.RateLimited(context, e.RetryAfterSeconds, e.Message);
                }
            }
        }
        finally
        {
            int status = context.Response.StatusCode;
            if (context.RequestAborted.IsCancellationRequested && status < 400) status = 499;
            state.Audit.Write(AuditContent.Record(state.Audit.Content, DateTimeOffset.UtcNow, key?.Id, context.Request.Path.Value ?? "",
                draft.Model, draft.PromptTokens, draft.CompletionTokens, Stopwatch.GetElapsedTime(start).TotalMilliseconds, status,
                draft.Prompt, draft.Response));
        }
    }

    /// <summary>The key (null on a server without keys), or a written 401/403/4xx response.</summary>
    private async Task<ApiKeyRecord?> AuthorizeAsync(HttpContext context, AuditDraft draft)
    {
        ApiKeyRecord? key = null;
        bool keysExist = await state.Keys.AnyActiveAsync(context.RequestAborted);
        if (keysExist)
        {
            string? presented = BearerToken(context);
            if (presented is null)
            {
                await OperationsErrors.MissingKey(context);
                return null;
            }
            key = await state.Keys.VerifyAsync(presented, context.RequestAborted);
            if (key is null)
            {
                await OperationsErrors.InvalidKey(context);
                return null;
            }
            if (ScopeFor(context.Request) is { } scope && !key.HasScope(scope))
            {
                await OperationsErrors.MissingScope(context, key.Name, scope);
                return key;
            }
        }

        if (!HttpMethods.IsPost(context.Request.Method) || !IsJson(context.Request)) return key;
        // Read the body once, here, for the model name and the prompt template; put it back for the endpoint.
        context.Request.EnableBuffering();
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null; // the endpoint reports malformed JSON in its own words
        }
        context.Request.Body.Position = 0;
        if (body is not JsonObject request) return key;

        if (request["model"] is JsonValue modelValue && modelValue.TryGetValue(out string? model))
        {
            draft.Model = model;
            if (key is not null && !key.AllowsModel(model))
            {
                await OperationsErrors.ModelNotAllowed(context, key.Name, model, key.Models);
                return key;
            }
        }
        if (context.Request.Path.StartsWithSegments("/v1/chat/completions") && request["prompt"] is JsonObject prompt)
            await RenderPromptAsync(context, request, prompt);
        return key;
    }

    /// <summary>Replaces "prompt": {id, version?, variables?} by the rendered messages, placed before the request's own.</summary>
    private async Task RenderPromptAsync(HttpContext context, JsonObject request, JsonObject prompt)
    {
        IReadOnlyList<PromptMessage> rendered;
        try
        {
            var (id, version, variables) = PromptEndpoints.ReadReference(prompt, "prompt");
            rendered = await state.Prompts.RenderAsync(id, version, variables, context.RequestAborted);
        }
        catch (LoomException e)
        {
            await OperationsErrors.WriteAsync(context, 400, e.Message, "invalid_request_error", "invalid_prompt", "prompt");
            return;
        }
        catch (PromptNotFoundException e)
        {
            await OperationsErrors.WriteAsync(context, 404, e.Message, "not_found_error", "prompt_not_found", "prompt.id");
            return;
        }
        var messages = new JsonArray();
        foreach (var m in rendered) messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        if (request["messages"] is JsonArray own)
            foreach (var m in own.ToList())
            {
                own.Remove(m);
                messages.Add(m);
            }
        request.Remove("prompt");
        request["messages"] = messages;
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(request);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
    }

    /// <summary>The scope an endpoint needs; null for endpoints any valid key may use (/v1/models, tokenize).</summary>
    public static string? ScopeFor(HttpRequest request)
    {
        var path = request.Path;
        if (path.StartsWithSegments("/v1/chat")) return ApiKeyScopes.Chat;
        if (path.StartsWithSegments("/v1/completions")) return ApiKeyScopes.Completions;
        if (path.StartsWithSegments("/v1/embeddings")) return ApiKeyScopes.Embeddings;
        if (path.StartsWithSegments("/v1/images")) return ApiKeyScopes.Images;
        if (path.StartsWithSegments("/v1/prompts"))
        {
            // Writing a template changes what every user of it gets: admin. Reading and rendering: anyone who may chat.
            bool create = HttpMethods.IsPost(request.Method) && !path.Value!.EndsWith("/render", StringComparison.Ordinal);
            return create ? ApiKeyScopes.Admin : ApiKeyScopes.Chat;
        }
        return null;
    }

    private static string? BearerToken(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        string token = header["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is null || request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
}
