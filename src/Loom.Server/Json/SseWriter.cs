using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Loom.Server.Json;

/// <summary>
/// Server-sent events as OpenAI streams them: <c>data: {json}\n\n</c> per chunk, ending with <c>data: [DONE]\n\n</c>.
/// Each event is serialized straight into the response pipe (no string, no byte copy) and goes out as one write, so
/// one HTTP chunk per event. Events are flushed at once (response buffering is switched off, so each token reaches
/// the client when it is generated), except inside <see cref="FlushWhenIdle"/>, which flushes only when the stream
/// has nothing more ready: tokens that are already waiting (a reader that fell behind) leave in one send.
/// </summary>
public sealed class SseWriter
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private readonly HttpResponse _response;
    private readonly CancellationToken _cancellation;

    private readonly HttpContext _context;
    private Utf8JsonWriter? _json;
    private bool _started, _deferFlush;

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

    public Task WriteAsync(JsonNode chunk)
    {
        PipeWriter pipe = Begin();
        if (_json is null) _json = new Utf8JsonWriter(pipe);
        else _json.Reset(pipe);
        chunk.WriteTo(_json);
        _json.Flush();
        return EndAsync(pipe, flush: !_deferFlush);
    }

    public Task WriteRawAsync(byte[] json)
    {
        PipeWriter pipe = Begin();
        pipe.Write(json);
        return EndAsync(pipe, flush: true);
    }

    public Task WriteDoneAsync()
    {
        PipeWriter pipe = Begin();
        pipe.Write("[DONE]"u8);
        return EndAsync(pipe, flush: true);
    }

    /// <summary>
    /// Passes <paramref name="source"/> through; events written while an item is being handled are flushed only when
    /// the next item is not ready yet (and at the end), so a burst of ready items costs one send, not one each.
    /// </summary>
    public async IAsyncEnumerable<T> FlushWhenIdle<T>(IAsyncEnumerable<T> source)
    {
        _deferFlush = true;
        try
        {
            await using var items = source.GetAsyncEnumerator(_cancellation);
            while (true)
            {
                ValueTask<bool> next = items.MoveNextAsync();
                if (!next.IsCompleted) await FlushAsync();
                if (!await next) break;
                yield return items.Current;
            }
        }
        finally
        {
            _deferFlush = false;
        }
        await FlushAsync();
    }

    private PipeWriter Begin()
    {
        if (!_started) Start();
        PipeWriter pipe = _response.BodyWriter;
        pipe.Write(Prefix);
        return pipe;
    }

    private async Task EndAsync(PipeWriter pipe, bool flush)
    {
        pipe.Write(Separator);
        if (flush) await pipe.FlushAsync(_cancellation);
    }

    private async Task FlushAsync()
    {
        if (_started) await _response.BodyWriter.FlushAsync(_cancellation);
    }
}
