using System.Text.Json.Nodes;
using Loom.Core;

namespace Loom.Training.Text;

/// <summary>
/// Training batches of lines of similar length. Padding every line of a batch to its longest wastes a third of the
/// compute on names (lengths 2–15); so this draws <see cref="PoolBatches"/> batches' worth of lines at once, each
/// uniformly at random, sorts them by length, cuts them into batches and serves those in a random order. Every
/// line is still drawn uniformly and every pool holds the same lines as that many plain batches; only which lines
/// share a batch changes. The batches drawn ahead and not yet served are state (<see cref="SaveState"/>) that a
/// checkpoint must carry for an exact resume.
/// </summary>
public sealed class LengthBucketedSampler
{
    private readonly LineDataset _data;
    private readonly Queue<int[]> _pending = new();

    public LengthBucketedSampler(LineDataset data, int poolBatches = 8)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (poolBatches < 1) throw LoomException.Argument($"bucketed lines: pool must hold at least one batch, found {poolBatches}");
        _data = data;
        PoolBatches = poolBatches;
    }

    /// <summary>Batches drawn together; more buckets lengths more tightly but correlates more consecutive steps.</summary>
    public int PoolBatches { get; }

    /// <summary>The next batch of <paramref name="batchSize"/> lines; a new pool is drawn from <paramref name="rng"/> when the last is used up.</summary>
    public TokenBatch Next(LoomRandom rng, int batchSize)
    {
        TokenBatch.CheckBatchSize(batchSize, "bucketed lines");
        if (_pending.Count == 0 || _pending.Peek().Length != batchSize) Refill(rng, batchSize);
        return _data.Batch(_pending.Dequeue());
    }

    private void Refill(LoomRandom rng, int batchSize)
    {
        _pending.Clear();
        var pool = new int[PoolBatches * batchSize];
        for (int i = 0; i < pool.Length; i++) pool[i] = rng.NextInt(_data.LineCount);
        // OrderBy is stable: equal lengths keep their drawing order, so the pool depends only on the generator.
        int[] sorted = [.. pool.OrderBy(_data.LineLength)];
        var batches = Enumerable.Range(0, PoolBatches).Select(b => sorted[(b * batchSize)..((b + 1) * batchSize)]).ToArray();
        rng.Shuffle(batches.AsSpan());
        foreach (var batch in batches) _pending.Enqueue(batch);
    }

    /// <summary>The batches drawn but not yet served.</summary>
    public JsonObject SaveState() => new()
    {
        ["pending"] = new JsonArray(_pending.Select(b => (JsonNode?)new JsonArray(b.Select(i => (JsonNode?)i).ToArray())).ToArray()),
    };

    public void LoadState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var pending = state["pending"]?.AsArray() ?? throw LoomException.Argument("bucketed lines: the saved state has no 'pending' batches");
        var batches = pending.Select(b => b!.AsArray().Select(i => (int)i!).ToArray()).ToList();
        foreach (int line in batches.SelectMany(b => b))
            if ((uint)line >= (uint)_data.LineCount)
                throw LoomException.Argument($"bucketed lines: the saved state names line {line}, but the data has {_data.LineCount}");
        _pending.Clear();
        foreach (var batch in batches) _pending.Enqueue(batch);
    }
}
