using System.Text.Json;
using Loom.Core;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Errors;

/// <summary>
/// Turns whatever a request threw into OpenAI's error shape and status. Client mistakes are 4xx (never 500):
/// malformed JSON is 400, a LoomException is mapped by its code, an oversized body 413; only an unexpected
/// exception or LoomErrorCode.Internal is a 500.
/// </summary>
public static class ApiErrors
{
    public static ApiException From(Exception error) => error switch
    {
        ApiException api => api,
        JsonException json => ApiException.BadRequest($"The request body is not valid JSON: {json.Message}", code: "invalid_json"),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            new ApiException(413, bad.Message, code: "request_too_large"),
        BadHttpRequestException bad => new ApiException(bad.StatusCode, bad.Message),
        LoomException loom => FromLoom(loom),
        _ => new ApiException(500, "The server had an error while processing the request.", type: ApiException.ServerError),
    };

    /// <summary>A LoomException's code says whose fault it is; its message already names the field and the values.</summary>
    public static ApiException FromLoom(LoomException e)
    {
        if (IsContextOverflow(e))
            return ApiException.BadRequest(e.Message, "messages", "context_length_exceeded");
        return e.Code switch
        {
            LoomErrorCode.FileNotFound or LoomErrorCode.NotFound => new ApiException(404, e.Message, code: "not_found", type: ApiException.NotFoundType),
            LoomErrorCode.Internal => new ApiException(500, e.Message, type: ApiException.ServerError),
            LoomErrorCode.NotSupported => ApiException.BadRequest(e.Message, code: "not_supported"),
            // Any other code (InvalidArgument, ShapeMismatch, InvalidFormat, codes added later) is something the
            // request asked for that cannot be done: the client's to fix.
            _ => ApiException.BadRequest(e.Message, code: e.Code.ToString()),
        };
    }

    /// <summary>The engine reports a prompt that does not fit the model's context with code ContextLengthExceeded (or,
    /// from older layers, an argument error saying so).</summary>
    private static bool IsContextOverflow(LoomException e) =>
        e.Code == LoomErrorCode.ContextLengthExceeded || e.Code == LoomErrorCode.InvalidArgument && e.Message.Contains("context", StringComparison.OrdinalIgnoreCase)
        && (e.Message.Contains("exceed", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("longer", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("too long", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("does not fit", StringComparison.OrdinalIgnoreCase));

    /// <summary>{"error": {"message", "type", "param", "code"}} as OpenAI writes it (param and code may be null).</summary>
    public static void WriteBody(Utf8JsonWriter json, ApiException error)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", error.Message);
        json.WriteString("type", error.Type);
        json.WriteString("param", error.Param);
        json.WriteString("code", error.Code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static byte[] ToJsonBytes(ApiException error)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) WriteBody(json, error);
        return buffer.ToArray();
    }
}
