using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Operations;

/// <summary>The operations layer's refusals in OpenAI's error shape: {"error": {"message", "type", "param", "code"}}.</summary>
public static class OperationsErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            json.WriteString("param", param);
            json.WriteString("code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return context.Response.Body.WriteAsync(buffer.ToArray()).AsTask();
    }

    public static Task MissingKey(HttpContext context) => WriteAsync(context, 401,
        "You didn't provide an API key. Send it as 'Authorization: Bearer KEY' (keys come from `loom keys create`).",
        "invalid_request_error", "invalid_api_key");

    public static Task InvalidKey(HttpContext context) => WriteAsync(context, 401,
        "Incorrect API key provided (unknown or revoked).", "invalid_request_error", "invalid_api_key");

    public static Task MissingScope(HttpContext context, string keyName, string scope) => WriteAsync(context, 403,
        $"The API key '{keyName}' lacks the scope '{scope}' needed for {context.Request.Method} {context.Request.Path}.",
        "permission_error", "insufficient_scope");

    public static Task ModelNotAllowed(HttpContext context, string keyName, string model, IReadOnlyList<string> allowed) => WriteAsync(context, 403,
        $"The API key '{keyName}' may not use the model '{model}' (allowed: {string.Join(", ", allowed)}).",
        "permission_error", "model_not_allowed", "model");

    public static Task RateLimited(HttpContext context, int retryAfterSeconds, string reason)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, 429, $"Rate limit reached: {reason}. Try again in {retryAfterSeconds} s.", "rate_limit_error", "rate_limit_exceeded");
    }
}
