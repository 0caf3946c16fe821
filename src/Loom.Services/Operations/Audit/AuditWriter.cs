using System.Threading.Channels;

namespace Loom.Services.Operations.Audit;

/// <summary>
/// Batched, asynchronous audit writes: <see cref="Write"/> only queues (a response never waits on the database); one
/// background loop takes whatever has queued (up to <see cref="MaxBatch"/>) and writes it as one batch. A failed batch
/// is retried a few times before it is reported on stderr. Dispose completes the queue and waits for the loop, so
/// records queued before shutdown are written, not lost.
/// </summary>
public sealed class AuditWriter : IAsyncDisposable, IDisposable
{
    public const int MaxBatch = 256;

    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly string _instance = $"{Environment.MachineName}:{Environment.ProcessId}";

    public AuditWriter(IAuditSink sink, AuditContentMode content = AuditContentMode.Full, string? instance = null)
    {
        Sink = sink;
        Content = content;
        if (instance is not null) _instance = instance;
        _loop = Task.Run(RunAsync);
    }

    public IAuditSink Sink { get; }

    /// <summary>The configured Audit:Content mode, for the wrappers that build records.</summary>
    public AuditContentMode Content { get; }

    /// <summary>Queues a record (stamped with this process's instance name when it has none). Never blocks.</summary>
    public void Write(AuditRecord record)
    {
        if (!_queue.Writer.TryWrite(record with { Instance = record.Instance ?? _instance }))
            Console.Error.WriteLine($"audit: writer closed; dropped a record for {record.Endpoint}");
    }

    /// <summary>Completes when every record queued before the call is stored.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(done)) return _loop;
        return done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<AuditRecord>();
        var flushes = new List<TaskCompletionSource>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                if (item is AuditRecord record) batch.Add(record);
                else flushes.Add((TaskCompletionSource)item);
            }
            await WriteWithRetriesAsync(batch).ConfigureAwait(false);
            batch.Clear();
            foreach (var flush in flushes) flush.TrySetResult();
            flushes.Clear();
        }
    }

    private async Task WriteWithRetriesAsync(List<AuditRecord> batch)
    {
        if (batch.Count == 0) return;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Sink.WriteAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < 4)
            {
                // A busy or briefly unreachable database: wait a little and try the same batch again.
                await Task.Delay(100 * attempt).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"audit: could not store {batch.Count} record(s) after {attempt} attempts: {e.Message}");
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
