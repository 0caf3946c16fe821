using Loom.Training.Trainer;

namespace Loom.Tests.Training.Trainer;

public class TrainerResumeTests
{
    private static TrainerOptions Options(string outDir, long steps = 20) => new()
    {
        Steps = steps,
        LearningRate = 0.05f,
        WarmupSteps = 3,
        GradAccumulation = 2,
        EvalEvery = 5,
        CheckpointEvery = 4,
        EmaDecay = 0.9f,
        Seed = 11,
        OutDir = outDir,
    };

    private static List<string> Losses(string outDir) =>
        MetricsLog.Read(Path.Combine(outDir, MetricsLog.FileName)).Where(r => r["loss"] is not null)
            .Select(r => r["step"] + ":" + r["loss"]!.ToJsonString()).ToList();

    private static float[] Weights(ToyTask task) => task.Model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray();

    [Fact]
    public void Cancelled_then_resumed_run_repeats_the_uninterrupted_losses_bit_for_bit()
    {
        using var dir = new TempDirectory();
        var straight = new ToyTask();
        var full = TrainingLoop.Run(straight, Options(dir.Combine("straight")));
        Assert.Equal(StopReason.Completed, full.Stopped);

        // Ctrl-C after step 10: a checkpoint at step 10, then a fresh process (new task objects) resumes.
        using var cancel = new CancellationTokenSource();
        var first = TrainingLoop.Run(new ToyTask(), Options(dir.Combine("split")),
            new InlineProgress<TrainerProgress>(p => { if (p.Step == 10 && !p.Evaluating) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(StopReason.Cancelled, first.Stopped);
        Assert.Equal(10, first.Steps);
        var resumedTask = new ToyTask();
        var second = TrainingLoop.Run(resumedTask, Options(dir.Combine("split")) with { Resume = true });
        Assert.Equal(10, second.ResumedFromStep);
        Assert.Equal(20, second.Steps);

        var expected = Losses(dir.Combine("straight"));
        Assert.Equal(20, expected.Count);
        Assert.Equal(expected, Losses(dir.Combine("split")));
        Assert.Equal(Weights(straight), Weights(resumedTask));
        Assert.Equal(full.Validation!.Loss, second.Validation!.Loss);
        Assert.Equal(straight.DropoutRandom.GetState(), resumedTask.DropoutRandom.GetState());
    }

    [Fact]
    public void Crash_after_a_checkpoint_resumes_from_it_and_rewrites_the_later_log_lines()
    {
        using var dir = new TempDirectory();
        var straight = new ToyTask();
        TrainingLoop.Run(straight, Options(dir.Combine("straight")));

        // A crash at step 10 (not a clean cancel): the last checkpoint is step 8, the log already holds steps 9–10.
        string split = dir.Combine("split");
        Assert.Throws<InvalidOperationException>(() => TrainingLoop.Run(new ToyTask(), Options(split),
            new InlineProgress<TrainerProgress>(p => { if (p.Step == 10 && !p.Evaluating) throw new InvalidOperationException("crash"); })));
        Assert.Equal(8, Checkpoint.ReadManifest(Path.Combine(split, Checkpoint.DirectoryName)).Step);
        Assert.Equal(10, Losses(split).Count);

        var resumedTask = new ToyTask();
        TrainingLoop.Run(resumedTask, Options(split) with { Resume = true });
        Assert.Equal(Losses(dir.Combine("straight")), Losses(split));
        Assert.Equal(Weights(straight), Weights(resumedTask));
    }

    [Fact]
    public void Resume_extends_a_finished_run_and_refuses_changed_hyperparameters()
    {
        using var dir = new TempDirectory();
        string outDir = dir.Combine("run");
        TrainingLoop.Run(new ToyTask(), Options(outDir, steps: 6));
        var error = Assert.Throws<Loom.Core.LoomException>(() =>
            TrainingLoop.Run(new ToyTask(), Options(outDir, steps: 8) with { Resume = true, LearningRate = 0.01f }));
        Assert.Contains("learning rate was 0.05, now 0.01", error.Message);

        var extended = TrainingLoop.Run(new ToyTask(), Options(outDir, steps: 8) with { Resume = true });
        Assert.Equal(6, extended.ResumedFromStep);
        Assert.Equal(8, extended.Steps);
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), MetricsLog.Read(Path.Combine(outDir, MetricsLog.FileName))
            .Where(r => r["loss"] is not null).Select(r => (long)r["step"]!));
    }

    [Fact]
    public void Resume_without_a_checkpoint_starts_fresh()
    {
        using var dir = new TempDirectory();
        var summary = TrainingLoop.Run(new ToyTask(), Options(dir.Combine("run"), steps: 3) with { Resume = true });
        Assert.Equal(0, summary.ResumedFromStep);
        Assert.Equal(3, summary.Steps);
    }
}
