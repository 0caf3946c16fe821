using Loom.Nn.Optim;
using Loom.Training.Trainer;

namespace Loom.Tests.Training.Trainer;

public class TrainerLoopTests
{
    [Fact]
    public void Two_accumulated_micro_batches_match_one_batch_of_twice_the_size()
    {
        // Without dropout the task's only randomness is which rows it draws, and two draws of b rows from the loop's
        // generator are the same rows as one draw of 2b: so the two runs see the same data.
        TrainerOptions options = new() { Steps = 3, WarmupSteps = 0, LearningRate = 0.02f, ClipNorm = null, WeightDecay = 0.1f, Seed = 3 };
        var accumulated = new ToyTask(batchSize: 8, dropout: 0);
        var whole = new ToyTask(batchSize: 16, dropout: 0);
        var a = TrainingLoop.Run(accumulated, options with { GradAccumulation = 2 });
        var b = TrainingLoop.Run(whole, options);
        Assert.Equal(b.FinalLoss, a.FinalLoss, 5);
        var wa = accumulated.Model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray();
        var wb = whole.Model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray();
        for (int i = 0; i < wa.Length; i++) Assert.Equal(wb[i], wa[i], 5);
        Assert.NotEqual(new ToyTask().Model.First.Weight.Data.ToArray(), accumulated.Model.First.Weight.Data.ToArray());
    }

    [Fact]
    public void Metrics_log_has_one_line_per_step_with_the_scheduled_rate_and_validation_on_eval_steps()
    {
        using var dir = new TempDirectory();
        var options = new TrainerOptions { Steps = 12, WarmupSteps = 4, LearningRate = 0.01f, EvalEvery = 5, OutDir = dir.Path };
        var summary = TrainingLoop.Run(new ToyTask(), options);
        var records = MetricsLog.Read(Path.Combine(dir.Path, MetricsLog.FileName));
        Assert.Equal(Enumerable.Range(1, 12).Select(s => (long)s), records.Select(r => (long)r["step"]!));
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            Assert.Equal(LrSchedule.WarmupCosine(i, 4, 12, 0.01f, options.EffectiveMinLearningRate), (float)r["lr"]!);
            Assert.True((float)r["loss"]! > 0);
            Assert.True((float)r["gradNorm"]! > 0);
            Assert.True((double)r["examplesPerSecond"]! > 0);
            Assert.True((double)r["elapsedSeconds"]! >= 0);
            bool evaluated = r["step"]!.GetValue<long>() is 5 or 10 or 12;
            Assert.Equal(evaluated, r["valLoss"] is not null);
            if (evaluated) Assert.Equal(2 * (double)r["valLoss"]!, (double)r["valDoubled"]!, 12);
        }
        Assert.Equal((double)records[^1]["valLoss"]!, summary.Validation!.Loss);
        Assert.True(summary.ItemsPerSecond > 0);
    }

    [Fact]
    public void Training_lowers_the_validation_loss()
    {
        var task = new ToyTask(dropout: 0);
        var before = task.Evaluate(CancellationToken.None).Loss;
        var summary = TrainingLoop.Run(task, new TrainerOptions { Steps = 150, WarmupSteps = 10, LearningRate = 0.03f, WeightDecay = 0 });
        Assert.True(summary.Validation!.Loss < 0.7 * before, $"val loss {summary.Validation.Loss} vs {before} before training");
    }

    [Fact]
    public void Cancellation_saves_a_checkpoint_and_returns_cleanly()
    {
        using var dir = new TempDirectory();
        using var cancel = new CancellationTokenSource();
        var summary = TrainingLoop.Run(new ToyTask(), new TrainerOptions { Steps = 100, WarmupSteps = 2, OutDir = dir.Path },
            new InlineProgress<TrainerProgress>(p => { if (p.Step == 3) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(StopReason.Cancelled, summary.Stopped);
        Assert.Equal(3, summary.Steps);
        Assert.Equal(3, Checkpoint.Load(Path.Combine(dir.Path, Checkpoint.DirectoryName)).Step);
    }

    [Fact]
    public void Progress_reports_every_step_with_loss_throughput_and_remaining_time()
    {
        var reports = new List<TrainerProgress>();
        TrainingLoop.Run(new ToyTask(), new TrainerOptions { Steps = 6, WarmupSteps = 1, EvalEvery = 3 }, new InlineProgress<TrainerProgress>(reports.Add));
        var steps = reports.Where(r => !r.Evaluating).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], steps.Select(r => r.Step));
        Assert.All(steps, r => Assert.Equal(6, r.TotalSteps));
        Assert.All(steps, r => Assert.True(r.Loss > 0 && r.ItemsPerSecond > 0 && r.Remaining is not null));
        Assert.Null(steps[0].ValLoss);
        Assert.NotNull(steps[^1].ValLoss);
        Assert.Equal(2, reports.Count(r => r.Evaluating));
    }

    [Fact]
    public void Time_limited_run_plans_its_schedule_and_stops_with_a_checkpoint()
    {
        using var dir = new TempDirectory();
        var summary = TrainingLoop.Run(new ToyTask(), new TrainerOptions { Steps = null, MaxMinutes = 0.01, WarmupSteps = 5, OutDir = dir.Path });
        Assert.Contains(summary.Stopped, new[] { StopReason.TimeLimit, StopReason.Completed });
        Assert.True(summary.Steps >= 1);
        Assert.True(summary.PlannedSteps >= summary.Steps);
        if (summary.Stopped == StopReason.Completed) Assert.Equal(summary.PlannedSteps, summary.Steps);
        var checkpoint = Checkpoint.ReadManifest(Path.Combine(dir.Path, Checkpoint.DirectoryName));
        Assert.Equal(summary.Steps, checkpoint.Step);
        Assert.Null(checkpoint.Options.Steps);
        Assert.NotNull(summary.Validation);
    }

    [Theory]
    [InlineData(0L, null, "steps must be at least 1")]
    [InlineData(null, null, "give a number of steps")]
    [InlineData(10L, -1.0, "minutes must be positive")]
    public void Bad_options_are_named(long? steps, double? minutes, string expected)
    {
        var error = Assert.Throws<Loom.Core.LoomException>(() =>
            TrainingLoop.Run(new ToyTask(), new TrainerOptions { Steps = steps, MaxMinutes = minutes, WarmupSteps = 0 }));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Diverging_loss_is_a_clear_error()
    {
        var error = Assert.Throws<Loom.Core.LoomException>(() =>
            TrainingLoop.Run(new ToyTask(), new TrainerOptions { Steps = 50, WarmupSteps = 0, LearningRate = 1e30f, ClipNorm = null }));
        Assert.Contains("diverged", error.Message);
    }
}
