using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Json;

/// <summary>Reads a request body as one JSON document (malformed JSON is a JsonException: the error middleware's 400).</summary>
public static class RequestBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    public static async Task<JsonDocument> ReadAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, Options, context.RequestAborted);
        }
        catch (JsonException e) when (e.LineNumber == 0 && e.BytePositionInLine == 0 && context.Request.ContentLength is 0 or null)
        {
            throw new JsonException("the body is empty; send a JSON object", e);
        }
    }
}
