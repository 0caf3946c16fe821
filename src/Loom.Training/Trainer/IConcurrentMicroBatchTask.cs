using Loom.Core;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// A task whose micro-batches can compute their losses and gradients at the same time on different threads
/// (<see cref="TrainerOptions.ConcurrentMicroBatches"/>). The loop first draws every micro-batch and its randomness
/// on its own thread, in order (<see cref="PrepareLoss"/>), then runs the returned computations concurrently, one per
/// kernel thread, each with single-threaded kernels. Small models, whose ops are too small to split across cores,
/// keep every core busy this way.
/// </summary>
public interface IConcurrentMicroBatchTask : ITrainingTask
{
    /// <summary>False when something in the model draws from shared state during a forward pass (the loop then runs
    /// the micro-batches one after another).</summary>
    bool CanRunMicroBatchesConcurrently => true;

    /// <summary>
    /// Draws one micro-batch and everything random it needs (examples from <paramref name="rng"/>, dropout masks from
    /// a generator forked here from the task's own stream) on the calling thread, and returns the computation of its
    /// mean loss with its graph: it must touch no shared mutable state, so it can run on any thread beside others.
    /// </summary>
    Func<Tensor> PrepareLoss(LoomRandom rng);
}
