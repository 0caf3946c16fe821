using System.Collections.Concurrent;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// The storage arenas a run's micro-batches recycle op outputs from (<see cref="ITrainingTask.RecyclesStepStorage"/>):
/// one per micro-batch running at the same moment, so data-parallel threads never share one. A micro-batch takes an
/// arena, computes its loss and backward in it, and resets it once its gradients have been copied out.
/// </summary>
internal sealed class StepStoragePool
{
    private readonly ConcurrentBag<StorageArena> _idle = [];

    public StorageArena Take() => _idle.TryTake(out var arena) ? arena : new StorageArena();

    /// <summary>Recycles everything <paramref name="arena"/> lent (its tensors must be dead) and keeps it for the next micro-batch.</summary>
    public void Return(StorageArena arena)
    {
        arena.Reset();
        _idle.Add(arena);
    }
}
