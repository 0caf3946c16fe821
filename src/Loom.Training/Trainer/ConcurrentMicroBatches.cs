using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Threading;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// Runs one optimizer step's micro-batches at the same time, one per kernel thread. Each computes its loss and
/// backward with single-threaded kernels into its own <see cref="LeafGradients"/>; the gradients are then added to
/// the parameters in micro-batch order. The result is therefore the same for any thread count and any scheduling.
/// </summary>
internal static class ConcurrentMicroBatches
{
    /// <summary>
    /// Accumulates the gradients of <paramref name="count"/> micro-batches (each scaled by 1/count) and returns their
    /// mean loss. With <paramref name="storage"/>, each micro-batch's op outputs are recycled as soon as its gradients
    /// have been copied into its collector.
    /// </summary>
    public static double Accumulate(IConcurrentMicroBatchTask task, LoomRandom rng, int count, StepStoragePool? storage = null)
    {
        var computations = new Func<Tensor>[count];
        for (int i = 0; i < count; i++) computations[i] = task.PrepareLoss(rng); // draws in order, on this thread
        var losses = new float[count];
        var gradients = new LeafGradients[count];
        WorkerPool.Shared.For(count, i =>
        {
            using var oneThread = KernelOptions.UseThreadsOnThisThread(1);
            var arena = storage?.Take();
            try
            {
                using var recycled = arena?.Activate();
                var loss = computations[i]();
                if (loss.Length != 1)
                    throw LoomException.Shape("train", $"the task's loss must have one element, found shape {ShapeUtil.Format(loss.Shape)}");
                losses[i] = loss.Item();
                var collected = new LeafGradients(); // copies every leaf's gradient, so the arena can be recycled now
                loss.Backward(Tensor.Full(1f / count, loss.ShapeArray), collected);
                gradients[i] = collected;
            }
            finally
            {
                if (arena is not null) storage!.Return(arena);
            }
        });
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            gradients[i].AddToLeaves();
            sum += losses[i];
        }
        return sum / count;
    }
}
