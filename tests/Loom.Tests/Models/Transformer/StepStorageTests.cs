using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Transformer;
using Loom.Nn;
using Loom.Tensors;
using Loom.Training.Text;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Transformer;

/// <summary>The language model recycles op storage between steps (StorageArena); that must change no bit of a run.</summary>
public class StepStorageTests
{
    private static LanguageModelTask Task() => TinyLineTask.Create(dataSeed: 5, modelSeed: 3, dropout: 0.1f);

    private static (float Loss, double Val, float[] Weights) Train(IConcurrentMicroBatchTask task, bool concurrent)
    {
        using var _ = KernelOptions.UseThreadsOnThisThread(2);
        var summary = TrainingLoop.Run(task, new TrainerOptions
        {
            Steps = 8, LearningRate = 1e-2f, WarmupSteps = 2, GradAccumulation = 2, EvalEvery = 4, CheckpointEvery = 0,
            ConcurrentMicroBatches = concurrent,
        });
        return (summary.FinalLoss, summary.Validation!.Loss, task.Model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Recycled_storage_gives_the_same_run_as_fresh_arrays(bool concurrent)
    {
        var recycledTask = Task();
        Assert.True(recycledTask.RecyclesStepStorage);
        var recycled = Train(recycledTask, concurrent);
        var fresh = Train(new WithoutRecycling(Task()), concurrent);
        Assert.Equal(fresh.Loss, recycled.Loss);
        Assert.Equal(fresh.Val, recycled.Val);
        Assert.Equal(fresh.Weights, recycled.Weights);
        Assert.True(float.IsFinite(recycled.Loss));
    }

    /// <summary>The same task, saying its op outputs must not be recycled: every op gets a fresh array.</summary>
    private sealed class WithoutRecycling(LanguageModelTask inner) : IConcurrentMicroBatchTask
    {
        public Module Model => inner.Model;
        public long ItemsPerMicroBatch => inner.ItemsPerMicroBatch;
        public string ItemName => ((ITrainingTask)inner).ItemName;
        public bool RecyclesStepStorage => false;
        public IEnumerable<(string Name, LoomRandom Random)> RandomStreams => inner.RandomStreams;
        public bool CanRunMicroBatchesConcurrently => inner.CanRunMicroBatchesConcurrently;
        public Tensor ComputeLoss(LoomRandom rng) => inner.ComputeLoss(rng);
        public Func<Tensor> PrepareLoss(LoomRandom rng) => inner.PrepareLoss(rng);
        public EvalResult Evaluate(CancellationToken cancellation) => inner.Evaluate(cancellation);
        public JsonObject? SaveState() => inner.SaveState();
        public void LoadState(JsonObject state) => inner.LoadState(state);
    }
}
