using Loom.Core;
using Loom.Kernels;
using Loom.Models.Transformer;
using Loom.Nn.Lora;
using Loom.Training.Text;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Transformer;

/// <summary>--data-parallel: a step's micro-batches run at the same time; the run must not depend on the thread count.</summary>
public class ConcurrentMicroBatchTests
{
    private static LanguageModelTask Task(float dropout = 0.1f) => TinyLineTask.Create(dataSeed: 4, modelSeed: 9, dropout);

    private static TrainerOptions Options(bool concurrent) => new()
    {
        Steps = 6, LearningRate = 1e-2f, WarmupSteps = 2, GradAccumulation = 3, EvalEvery = 0, CheckpointEvery = 0,
        ConcurrentMicroBatches = concurrent,
    };

    private static (float Loss, float[] Weights) Train(int threads, bool concurrent, float dropout = 0.1f)
    {
        var task = Task(dropout);
        using var _ = KernelOptions.UseThreadsOnThisThread(threads);
        var summary = TrainingLoop.Run(task, Options(concurrent));
        return (summary.FinalLoss, task.Model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray());
    }

    [Fact]
    public void Concurrent_micro_batches_give_the_same_run_on_one_and_two_threads()
    {
        var one = Train(1, concurrent: true);
        var two = Train(2, concurrent: true);
        Assert.Equal(one.Loss, two.Loss);
        Assert.Equal(one.Weights, two.Weights);
        Assert.True(float.IsFinite(one.Loss));
    }

    [Fact]
    public void Without_dropout_concurrent_and_in_turn_micro_batches_compute_the_same_gradients()
    {
        // The same batches (drawn in the same order) and no dropout masks: only float sums could differ, and the
        // concurrent path adds each micro-batch's gradients in order as the sequential path does.
        var inTurn = Train(1, concurrent: false, dropout: 0);
        var concurrent = Train(2, concurrent: true, dropout: 0);
        Assert.Equal(inTurn.Loss, concurrent.Loss);
        Assert.Equal(inTurn.Weights, concurrent.Weights);
    }

    [Fact]
    public void Lora_adapters_with_dropout_keep_micro_batches_in_turn()
    {
        var task = Task();
        Assert.True(task.CanRunMicroBatchesConcurrently);
        Lora.Apply(task.Model, rank: 2, alpha: 4, ["q_proj"], seed: 1, dropout: 0.1f);
        Assert.False(task.CanRunMicroBatchesConcurrently);
    }
}
