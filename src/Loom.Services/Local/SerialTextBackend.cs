using Loom.Inference.Batching;
using Loom.Text.Sampling;

namespace Loom.Services.Local;

/// <summary>
/// Loom transformer-lm models: one sequence at a time over a single <see cref="ILogitSource"/> (its KV-cached
/// session), requests queueing on a gate. These models are small and trained in Loom; batching their autograd-tensor
/// forward pass is not worth its complexity, so concurrent requests are served in arrival order.
/// </summary>
internal sealed class SerialTextBackend(ILogitSource source) : ITextBackend
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Start(IBatchSequence sequence) => _ = Task.Run(() => RunAsync(sequence));

    private async Task RunAsync(IBatchSequence sequence)
    {
        try
        {
            await _gate.WaitAsync(sequence.Cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            sequence.Completed(e);
            return;
        }
        try
        {
            Run(sequence);
            sequence.Completed(null);
        }
        catch (Exception e)
        {
            sequence.Completed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Run(IBatchSequence sequence)
    {
        source.Reset();
        int position = sequence.Prompt.Count;
        int next = sequence.Next(source.Forward([.. sequence.Prompt]), position >= source.ContextLength);
        while (next >= 0 && position < source.ContextLength)
        {
            sequence.Cancellation.ThrowIfCancellationRequested();
            ReadOnlySpan<float> logits = source.Forward([next]);
            position++;
            next = sequence.Next(logits, position >= source.ContextLength);
        }
    }

    public void Dispose() => _gate.Dispose();
}
