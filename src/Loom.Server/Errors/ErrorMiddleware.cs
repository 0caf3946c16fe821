using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Errors;

/// <summary>
/// The outermost middleware: any exception below it becomes an OpenAI-style error response with the status
/// <see cref="ApiErrors.From"/> gives. A request the client abandoned gets no response (nobody reads it), and a
/// response already under way (a stream) cannot change its status: the streaming endpoint reports its own errors.
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; generation below has already stopped through the same token.
        }
        catch (Exception e)
        {
            var error = ApiErrors.From(e);
            if (error.Status >= 500) logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            await WriteAsync(context, error);
        }
    }

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        context.Response.Clear();
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(ApiErrors.ToJsonBytes(error), context.RequestAborted);
    }
}
