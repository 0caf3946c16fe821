using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Loom.Server.Json;

/// <summary>
/// Server-sent events as OpenAI streams them: <c>data: {json}\n\n</c> per chunk, flushed at once (response buffering
/// is switched off, so each token reaches the client when it is generated), ending with <c>data: [DONE]\n\n</c>.
/// </summary>
public sealed class SseWriter
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private readonly HttpResponse _response;
    private readonly CancellationToken _cancellation;

    private readonly HttpContext _context;
    private bool _started;

    /// <summary>Nothing is sent until the first event, so an error before it (a bad prompt the engine rejects) can
    /// still be an ordinary 4xx response.</summary>
    public SseWriter(HttpContext context)
    {
        _context = context;
        _response = context.Response;
        _cancellation = context.RequestAborted;
    }

    private void Start()
    {
        _started = true;
        _context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = "text/event-stream; charset=utf-8";
        _response.Headers.CacheControl = "no-cache";
        _response.Headers["X-Accel-Buffering"] = "no";
    }

    public Task WriteAsync(JsonNode chunk) => WriteDataAsync(Encoding.UTF8.GetBytes(chunk.ToJsonString()));

    public Task WriteRawAsync(byte[] json) => WriteDataAsync(json);

    public Task WriteDoneAsync() => WriteDataAsync("[DONE]"u8.ToArray());

    private async Task WriteDataAsync(byte[] payload)
    {
        if (!_started) Start();
        await _response.Body.WriteAsync(Prefix, _cancellation);
        await _response.Body.WriteAsync(payload, _cancellation);
        await _response.Body.WriteAsync(Separator, _cancellation);
        await _response.Body.FlushAsync(_cancellation);
    }
}
