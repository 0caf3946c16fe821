using System.Collections.Concurrent;
using System.Diagnostics;
using Loom.Core;

namespace Loom.Inference.Batching;

/// <summary>
/// Continuous batching for one <see cref="LlmModel"/>: a loop thread owns every running sequence. Requests join at
/// the next iteration (<see cref="Submit"/>); each iteration runs ONE batched decode step for all sequences that are
/// past their prompt (<see cref="BatchedDecoder"/>: the weights are read once per step), then ONE batched prefill
/// pass over the next prompt chunk of the oldest prompt-reading sequences, as many as fit in
/// <see cref="BatchSchedulerOptions.PrefillChunk"/> tokens — so prompts that arrive together are read together,
/// and running streams wait at most one chunk between two of their tokens. A finished or cancelled sequence leaves
/// at once; its session (KV cache) goes back to a pool for the next request.
/// </summary>
/// <remarks>A sequence's logits equal the ones it gets alone through <see cref="LlmSession"/> (bit-identical for
/// every weight type QuantMatMul runs, see <see cref="BatchedDecoder"/>), so a seeded request gives the same text
/// under any load.</remarks>
public sealed class BatchScheduler : IDisposable
{
    private readonly LlmModel _model;
    private readonly BatchSchedulerOptions _options;
    private readonly ConcurrentQueue<IBatchSequence> _incoming = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<Running> _prefilling = [];
    private readonly List<Running> _decoding = [];
    private readonly Stack<LlmSession> _pool = new();
    private readonly BatchedDecoder _decoder;
    private readonly Thread _thread;
    private readonly List<LlmSession> _stepSessions = [];
    private int[] _stepTokens = [];
    private readonly KeyValuePair<string, object?> _modelTag;
    private volatile bool _disposed;
    private long _steps, _decodedTokens, _prefillPasses, _decodeTicks, _sessionBytes;
    private int _sessions;

    public BatchScheduler(LlmModel model, BatchSchedulerOptions? options = null)
    {
        _model = model;
        _options = (options ?? new BatchSchedulerOptions()).Validate();
        _decoder = new BatchedDecoder(model, Math.Max(_options.MaxSequences, _options.PrefillChunk));
        _modelTag = new("model", model.Name);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"loom-batch-{model.Name}" };
        _thread.Start();
        BatchSchedulerMetrics.Track(this);
    }

    public BatchSchedulerOptions Options => _options;

    /// <summary>Batched decode steps run so far.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Tokens those steps decoded (the sum of their batch sizes); over <see cref="Steps"/> the mean batch.</summary>
    public long DecodedTokens => Interlocked.Read(ref _decodedTokens);

    /// <summary>Time the decode steps took (model forward and the sequences' Next); over <see cref="Steps"/> the step time.</summary>
    public TimeSpan DecodeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _decodeTicks));

    /// <summary>Batched prefill passes run so far (each reads one chunk of one or more prompts).</summary>
    public long PrefillPasses => Interlocked.Read(ref _prefillPasses);

    /// <summary>The model this scheduler runs (its name tags the meters).</summary>
    public string ModelName => _model.Name;

    /// <summary>Sessions held now: running ones and the pool of finished ones kept for reuse.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Bytes those sessions hold (KV caches and activation buffers), as of the loop's last iteration.</summary>
    public long SessionBytes => Interlocked.Read(ref _sessionBytes);

    /// <summary>Sequences waiting, reading their prompt or decoding.</summary>
    public int Pending { get; private set; }

    /// <summary>Adds a sequence; it starts at the next iteration (or when a slot frees up).</summary>
    public void Submit(IBatchSequence sequence)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sequence.Prompt.Count == 0) throw LoomException.Argument("batch scheduler: the prompt has no tokens; pass at least one");
        if (sequence.Prompt.Count >= _model.Config.ContextLength)
        {
            throw LoomException.Argument(
                $"batch scheduler: a {sequence.Prompt.Count}-token prompt leaves no room to generate in the context of {_model.Config.ContextLength}");
        }
        _incoming.Enqueue(sequence);
        _signal.Release();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        BatchSchedulerMetrics.Untrack(this);
        _signal.Release();
        _thread.Join();
        _signal.Dispose();
    }

    private void Loop()
    {
        var waiting = new Queue<IBatchSequence>();
        while (true)
        {
            if (_prefilling.Count + _decoding.Count == 0 && waiting.Count == 0 && _incoming.IsEmpty && !_disposed) _signal.Wait();
            if (_disposed)
            {
                FailAll(waiting, new ObjectDisposedException(nameof(BatchScheduler)));
                return;
            }
            while (_incoming.TryDequeue(out var sequence)) waiting.Enqueue(sequence);
            while (waiting.Count > 0 && _prefilling.Count + _decoding.Count < _options.MaxSequences)
            {
                var sequence = waiting.Dequeue();
                if (sequence.Cancellation.IsCancellationRequested) Complete(sequence, new OperationCanceledException(sequence.Cancellation));
                else _prefilling.Add(new Running(sequence, Rent()));
            }
            Pending = waiting.Count + _prefilling.Count + _decoding.Count;
            RemoveCancelled(_decoding);
            RemoveCancelled(_prefilling);
            if (_decoding.Count > 0) DecodeStep();
            if (_prefilling.Count > 0) PrefillStep();
            CountSessions();
        }
    }

    private void DecodeStep()
    {
        long start = Stopwatch.GetTimestamp();
        int n = _decoding.Count;
        if (_stepTokens.Length < n) _stepTokens = new int[_options.MaxSequences];
        _stepSessions.Clear();
        for (int i = 0; i < n; i++)
        {
            _stepSessions.Add(_decoding[i].Session);
            _stepTokens[i] = _decoding[i].NextToken;
        }
        ReadOnlySpan<float> logits;
        try
        {
            logits = _decoder.Step(_stepSessions, _stepTokens.AsSpan(0, n));
        }
        catch (Exception e)
        {
            foreach (var running in _decoding) Leave(running, e);
            _decoding.Clear();
            return;
        }
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _decodedTokens, n);
        int vocab = _model.Config.VocabSize;
        long sampling = Stopwatch.GetTimestamp();
        var leaving = new List<Running>();
        for (int i = 0; i < n; i++)
        {
            if (!Offer(_decoding[i], logits.Slice(i * vocab, vocab))) leaving.Add(_decoding[i]);
        }
        foreach (var running in leaving) _decoding.Remove(running);
        BatchSchedulerMetrics.Steps.Add(1, _modelTag);
        BatchSchedulerMetrics.DecodedTokens.Add(n, _modelTag);
        long elapsed = Stopwatch.GetTimestamp() - start;
        Interlocked.Add(ref _decodeTicks, elapsed);
        BatchSchedulerMetrics.DecodeSeconds.Add(Stopwatch.GetElapsedTime(0, elapsed).TotalSeconds, _modelTag);
        BatchSchedulerMetrics.NextSeconds.Add(Stopwatch.GetElapsedTime(sampling).TotalSeconds, _modelTag);
    }

    // One batched forward over the next prompt chunk of as many prompt-reading sequences (oldest first) as fit in
    // PrefillChunk tokens, at least one: prompts that arrive together are read together, the weights once for all of
    // them, while the running streams wait at most one chunk's worth of tokens.
    private void PrefillStep()
    {
        long began = Stopwatch.GetTimestamp();
        var batch = new List<Running>();
        var counts = new List<int>();
        var tokens = new List<int>();
        foreach (var running in _prefilling)
        {
            var prompt = running.Sequence.Prompt;
            int start = running.Session.Position, count = Math.Min(_options.PrefillChunk, prompt.Count - start);
            if (batch.Count > 0 && tokens.Count + count > _options.PrefillChunk) break;
            batch.Add(running);
            counts.Add(count);
            for (int i = 0; i < count; i++) tokens.Add(prompt[start + i]);
        }
        ReadOnlySpan<float> logits;
        try
        {
            logits = _decoder.Forward([.. batch.Select(r => r.Session)], tokens.ToArray(), counts.ToArray());
        }
        catch (Exception e)
        {
            foreach (var running in batch)
            {
                _prefilling.Remove(running);
                Leave(running, e);
            }
            return;
        }
        Interlocked.Increment(ref _prefillPasses);
        BatchSchedulerMetrics.PrefillTokens.Add(tokens.Count, _modelTag);
        BatchSchedulerMetrics.PrefillSeconds.Add(Stopwatch.GetElapsedTime(began).TotalSeconds, _modelTag);
        int vocab = _model.Config.VocabSize;
        for (int i = 0; i < batch.Count; i++)
        {
            var running = batch[i];
            if (running.Session.Position < running.Sequence.Prompt.Count) continue;
            _prefilling.Remove(running);
            if (Offer(running, logits.Slice(i * vocab, vocab))) _decoding.Add(running);
        }
    }

    // Hands the logits to the sequence; true when it continues (its next token is set), false when it left.
    private bool Offer(Running running, ReadOnlySpan<float> logits)
    {
        bool full = running.Session.Position >= running.Session.ContextLength;
        int next;
        try
        {
            next = running.Sequence.Next(logits, full);
        }
        catch (Exception e)
        {
            Leave(running, e);
            return false;
        }
        if (next < 0 || full)
        {
            Leave(running, null);
            return false;
        }
        if ((uint)next >= (uint)_model.Config.VocabSize)
        {
            Leave(running, LoomException.Argument($"batch scheduler: token {next} is outside the vocabulary 0..{_model.Config.VocabSize - 1}"));
            return false;
        }
        running.NextToken = next;
        return true;
    }

    // At most MaxSequences + PooledSessions sessions: a few additions per iteration, beside a decode step's
    // millions; read by the meters from other threads, so published as two plain numbers.
    private void CountSessions()
    {
        long bytes = 0;
        foreach (var session in _pool) bytes += SessionSize(session);
        foreach (var running in _decoding) bytes += SessionSize(running.Session);
        foreach (var running in _prefilling) bytes += SessionSize(running.Session);
        Interlocked.Exchange(ref _sessionBytes, bytes);
        Volatile.Write(ref _sessions, _pool.Count + _decoding.Count + _prefilling.Count);
    }

    private static long SessionSize(LlmSession session) => session.Cache.Bytes + session.BufferBytes;

    private void RemoveCancelled(List<Running> list)
    {
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var token = list[i].Sequence.Cancellation;
            if (!token.IsCancellationRequested) continue;
            var running = list[i];
            list.RemoveAt(i);
            Leave(running, new OperationCanceledException(token));
        }
    }

    private void Leave(Running running, Exception? error)
    {
        // A session beyond the pool frees its native KV cache and buffers now, not whenever its finalizer runs.
        if (_pool.Count < _options.PooledSessions) _pool.Push(running.Session);
        else running.Session.Dispose();
        Complete(running.Sequence, error);
    }

    private static void Complete(IBatchSequence sequence, Exception? error)
    {
        try
        {
            sequence.Completed(error);
        }
        catch (Exception)
        {
            // A handler that throws while completing must not take the loop (and every other sequence) down.
        }
    }

    private LlmSession Rent()
    {
        if (_pool.TryPop(out var session))
        {
            session.Reset();
            return session;
        }
        return _model.CreateSession(_options.PrefillChunk);
    }

    private void FailAll(Queue<IBatchSequence> waiting, Exception error)
    {
        foreach (var running in _decoding.Concat(_prefilling))
        {
            running.Session.Dispose();
            Complete(running.Sequence, error);
        }
        _decoding.Clear();
        _prefilling.Clear();
        foreach (var sequence in waiting) Complete(sequence, error);
        while (_incoming.TryDequeue(out var sequence)) Complete(sequence, error);
        while (_pool.TryPop(out var session)) session.Dispose();
        CountSessions();
    }

    private sealed class Running(IBatchSequence sequence, LlmSession session)
    {
        public IBatchSequence Sequence { get; } = sequence;
        public LlmSession Session { get; } = session;
        public int NextToken { get; set; }
    }
}
