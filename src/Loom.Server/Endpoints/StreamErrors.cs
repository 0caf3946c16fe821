using Loom.Server.Errors;
using Loom.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// Once a stream has started its status (200) is sent, so a later failure is reported in the stream itself, as one
/// <c>data: {"error": {…}}</c> event in OpenAI's error shape; a client that went away gets nothing more. Before the
/// first event, errors propagate and become an ordinary error response.
/// </summary>
public static class StreamErrors
{
    public static async Task RunAsync(SseWriter sse, Func<Task> body, HttpContext context)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && e is not OperationCanceledException)
        {
            await sse.WriteRawAsync(ApiErrors.ToJsonBytes(ApiErrors.From(e)));
        }
    }
}
