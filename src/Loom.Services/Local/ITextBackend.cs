using Loom.Inference.Batching;

namespace Loom.Services.Local;

/// <summary>Runs sequences on a loaded model: GGUF models through their <see cref="BatchScheduler"/>, Loom
/// transformer-lm models one at a time (<see cref="SerialTextBackend"/>).</summary>
internal interface ITextBackend : IDisposable
{
    /// <summary>Starts <paramref name="sequence"/>; its <see cref="IBatchSequence.Completed"/> is always called.</summary>
    void Start(IBatchSequence sequence);
}

/// <summary>GGUF models: every sequence joins the model's continuous-batching loop.</summary>
internal sealed class BatchedTextBackend(BatchScheduler scheduler) : ITextBackend
{
    public BatchScheduler Scheduler => scheduler;

    public void Start(IBatchSequence sequence) => scheduler.Submit(sequence);

    public void Dispose() => scheduler.Dispose();
}
