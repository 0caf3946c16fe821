using Loom.Core;
using Loom.Nn;
using Loom.Tensors;
using Loom.Training.Trainer;

namespace Loom.Tests.Training.Trainer;

/// <summary>
/// A small classification task for loop tests: an MLP with dropout (drawn from the task's own generator, so
/// checkpoints must carry it) learns labels of fixed random points; each micro-batch samples rows with the loop's
/// generator. Everything follows from the seed.
/// </summary>
internal sealed class ToyTask : ITrainingTask
{
    private const int Inputs = 4, Hidden = 16, Classes = 3;
    private readonly float[] _points;
    private readonly int[] _labels;
    private readonly float _dropout;

    public ToyTask(int batchSize = 8, float dropout = 0.1f, int points = 64, ulong seed = 5)
    {
        var rng = new LoomRandom(seed);
        _points = Tensor.Randn(rng, [points, Inputs]).ToArray();
        // Labels a linear rule assigns (the most aligned of three random directions), so the MLP can learn them.
        var directions = Tensor.Randn(rng, [Classes, Inputs]).ToArray();
        _labels = new int[points];
        for (int i = 0; i < points; i++)
        {
            var scores = Enumerable.Range(0, Classes).Select(c =>
                System.Numerics.Tensors.TensorPrimitives.Dot<float>(_points.AsSpan(i * Inputs, Inputs), directions.AsSpan(c * Inputs, Inputs)));
            _labels[i] = scores.Select((s, c) => (s, c)).Max().c;
        }
        Model = new Mlp(rng);
        DropoutRandom = new LoomRandom(seed + 1);
        BatchSize = batchSize;
        _dropout = dropout;
    }

    public Mlp Model { get; }
    Module ITrainingTask.Model => Model;
    public LoomRandom DropoutRandom { get; }
    public int BatchSize { get; }
    public long ItemsPerMicroBatch => BatchSize;
    public string ItemName => "examples";
    public IEnumerable<(string Name, LoomRandom Random)> RandomStreams => [("dropout", DropoutRandom)];

    public Tensor ComputeLoss(LoomRandom rng)
    {
        var rows = new int[BatchSize];
        for (int i = 0; i < rows.Length; i++) rows[i] = rng.NextInt(_labels.Length);
        var (x, y) = Gather(rows);
        return Ops.CrossEntropy(Model.Forward(x, _dropout, DropoutRandom), y);
    }

    public EvalResult Evaluate(CancellationToken cancellation)
    {
        var (x, y) = Gather(Enumerable.Range(0, _labels.Length).ToArray());
        double loss = Ops.CrossEntropy(Model.Forward(x, _dropout, DropoutRandom), y).Item();
        return new EvalResult(loss, _labels.Length, new Dictionary<string, double> { ["valDoubled"] = 2 * loss });
    }

    private (Tensor X, int[] Y) Gather(int[] rows)
    {
        var x = new float[rows.Length * Inputs];
        for (int i = 0; i < rows.Length; i++) _points.AsSpan(rows[i] * Inputs, Inputs).CopyTo(x.AsSpan(i * Inputs));
        return (new Tensor(x, rows.Length, Inputs), rows.Select(r => _labels[r]).ToArray());
    }

    internal sealed class Mlp : Module
    {
        public Mlp(LoomRandom rng)
        {
            First = AddModule("first", new Linear(Inputs, Hidden, rng));
            Second = AddModule("second", new Linear(Hidden, Classes, rng));
        }

        public Linear First { get; }
        public Linear Second { get; }

        public Tensor Forward(Tensor x, float dropout, LoomRandom rng) =>
            Second.Forward(Ops.Dropout(Ops.Tanh(First.Forward(x)), dropout, Training, rng));
    }
}

/// <summary>Runs a callback synchronously on every report (Progress&lt;T&gt; would post it to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>A fresh folder under the temp directory, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loom-tests-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
