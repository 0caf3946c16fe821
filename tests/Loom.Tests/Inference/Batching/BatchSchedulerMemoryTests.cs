using System.Diagnostics.Metrics;
using Loom.Inference;
using Loom.Inference.Batching;
using Loom.Models.Transformer;
using Loom.Tests.Formats.Gguf;
using Loom.Tests.Models.Transformer;

namespace Loom.Tests.Inference.Batching;

/// <summary>
/// The sessions a scheduler keeps (running plus at most PooledSessions finished ones) and the bytes they hold, as
/// its properties and its loom.batch.session_memory gauge report them: bounded however many requests pass through,
/// and none left once the scheduler is disposed.
/// </summary>
public class BatchSchedulerMemoryTests
{
    private sealed class FixedSequence(int[] prompt, int tokens) : IBatchSequence
    {
        private int _left = tokens;
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyList<int> Prompt => prompt;
        public CancellationToken Cancellation => default;
        public int Next(ReadOnlySpan<float> logits, bool contextFull) => _left-- > 0 ? 1 : -1;
        public void Completed(Exception? error) => Done.SetResult(error);
    }

    private static async Task RunAll(BatchScheduler scheduler, int count)
    {
        var sequences = Enumerable.Range(0, count).Select(i => new FixedSequence([1 + i, 2, 3], 3)).ToArray();
        foreach (var s in sequences) scheduler.Submit(s);
        foreach (var s in sequences) Assert.Null(await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    // The loop publishes its counts at the end of the iteration in which the last sequence left.
    private static async Task WaitForSessions(BatchScheduler scheduler, int expected)
    {
        for (int i = 0; i < 1000 && scheduler.Sessions != expected; i++) await Task.Delay(10);
        Assert.Equal(expected, scheduler.Sessions);
    }

    private static List<long> GaugeValues(string model)
    {
        var values = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BatchSchedulerMetrics.MeterName && instrument.Name == "loom.batch.session_memory") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "model" && (string?)tag.Value == model) values.Add(value);
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task Finished_sessions_beyond_the_pool_are_let_go_and_the_held_bytes_stay_bounded()
    {
        using var dir = new TinyModels.TempDir();
        using var model = LlmModel.Load(SyntheticGguf.Write(dir.Path, "synth", GgufQuantization.Q8_0));
        var scheduler = new BatchScheduler(model, new BatchSchedulerOptions { MaxSequences = 4, PrefillChunk = 16, PooledSessions = 2 });
        Assert.Equal(0, scheduler.Sessions);
        Assert.Equal(0, scheduler.SessionBytes);

        await RunAll(scheduler, 4);
        await WaitForSessions(scheduler, 2);
        var c = model.Config;
        // Each pooled session's KV cache holds at least its 6 positions' rows; at most what a lone session holds after
        // a whole 16-token chunk (the largest batch the scheduler gives one), whose cache reaches its full capacity.
        long rowBytes = 4L * (c.KeyWidth + c.ValueWidth) * c.LayerCount;
        using var full = model.CreateSession(16);
        full.Forward([.. Enumerable.Range(1, 16)]);
        long held = scheduler.SessionBytes;
        Assert.InRange(held, 2 * 6 * rowBytes, 2 * (full.Cache.Bytes + full.BufferBytes));
        Assert.Contains(held, GaugeValues(model.Name));

        // More requests of the same size reuse the pool: nothing more is held afterwards.
        await RunAll(scheduler, 8);
        await WaitForSessions(scheduler, 2);
        Assert.Equal(held, scheduler.SessionBytes);

        // Disposing the scheduler frees every session it held (native KV caches).
        scheduler.Dispose();
        Assert.Equal(0, scheduler.Sessions);
        Assert.Equal(0, scheduler.SessionBytes);
    }
}
