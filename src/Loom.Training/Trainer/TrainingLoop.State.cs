using Loom.Core;
using Loom.Nn.Optim;

namespace Loom.Training.Trainer;

public static partial class TrainingLoop
{
    /// <summary>What a run carries from step to step, and what a checkpoint saves of it.</summary>
    private sealed class RunState
    {
        public RunState(ITrainingTask task, TrainerOptions options)
        {
            Task = task;
            Optimizer = new AdamW(task.Model.NamedParameters(), options.LearningRate, options.Beta1, options.Beta2,
                options.Epsilon, options.WeightDecay);
            Ema = options.EmaDecay is { } decay ? new Ema(task.Model, decay) : null;
            Random = new LoomRandom(options.Seed);
            TaskRandoms = task.RandomStreams.ToList();
            var duplicate = TaskRandoms.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw LoomException.Argument($"train: the task lists two generators named '{duplicate.Key}'");
            PlannedSteps = options.Steps;
            StepStorage = task.RecyclesStepStorage ? new StepStoragePool() : null;
        }

        /// <summary>Where micro-batches recycle op storage; null when the task keeps op outputs past a step.</summary>
        public StepStoragePool? StepStorage { get; }

        public ITrainingTask Task { get; }
        public AdamW Optimizer { get; }
        public Ema? Ema { get; }
        public LoomRandom Random { get; }
        public List<(string Name, LoomRandom Random)> TaskRandoms { get; }
        public long Step { get; set; }

        /// <summary>The schedule's length; null while a time-limited run has not yet estimated it.</summary>
        public long? PlannedSteps { get; set; }

        /// <summary>Moving average of recent step times, for planning a time-limited run.</summary>
        public double? RecentStepSeconds { get; set; }

        /// <summary>Training time of earlier sessions (resumed runs), in seconds.</summary>
        public double ElapsedBefore { get; set; }
    }

    private static void Save(string directory, RunState state, TrainerOptions options, double sessionSeconds)
    {
        Checkpoint.Save(directory, new CheckpointContent
        {
            Step = state.Step,
            PlannedSteps = state.PlannedSteps ?? 0,
            ElapsedSeconds = state.ElapsedBefore + sessionSeconds,
            Model = state.Task.Model.StateDict(),
            Optimizer = state.Optimizer.StateDict(),
            Ema = state.Ema is { } ema ? (ema.StateDict(), ema.UpdateCount) : null,
            LoopRandom = state.Random.GetState(),
            TaskRandoms = state.TaskRandoms.ToDictionary(r => r.Name, r => r.Random.GetState()),
            TaskState = state.Task.SaveState(),
            Options = options,
            Run = options.Run,
        });
    }

    private static void Restore(RunState state, CheckpointContent checkpoint, TrainerOptions options)
    {
        RequireSameTraining(checkpoint.Options, options, checkpoint.Step);
        string source = $"checkpoint at step {checkpoint.Step}";
        state.Task.Model.LoadStateDict(checkpoint.Model, strict: true, source: source);
        state.Optimizer.LoadStateDict(checkpoint.Optimizer);
        if (state.Ema is { } ema)
        {
            if (checkpoint.Ema is not { } saved)
                throw LoomException.Argument($"train: resume: the {source} keeps no EMA weights, but this run asks for them");
            ema.LoadStateDict(saved.Weights, saved.Updates);
        }
        state.Random.SetState(checkpoint.LoopRandom);
        foreach (var (name, random) in state.TaskRandoms)
        {
            if (!checkpoint.TaskRandoms.TryGetValue(name, out var saved))
                throw LoomException.Argument($"train: resume: the {source} has no state for the task's generator '{name}'");
            random.SetState(saved);
        }
        if (checkpoint.TaskState is { } taskState) state.Task.LoadState(taskState);
        state.Step = checkpoint.Step;
        state.ElapsedBefore = checkpoint.ElapsedSeconds;
        // A run given a step count keeps it (it may extend the run); a time-limited one keeps the saved estimate.
        state.PlannedSteps ??= checkpoint.PlannedSteps > 0 ? checkpoint.PlannedSteps : null;
    }

    /// <summary>
    /// The options that shape the loss sequence must match the checkpoint's, or "resume" would silently be a
    /// different run. The step count and time limit may change (a run can be extended); so may eval and checkpoint
    /// cadence.
    /// </summary>
    private static void RequireSameTraining(TrainerOptions saved, TrainerOptions current, long step)
    {
        var differences = new List<string>();
        void Check<T>(string name, T before, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(before, now)) differences.Add($"{name} was {before?.ToString() ?? "none"}, now {now?.ToString() ?? "none"}");
        }
        Check("learning rate", saved.LearningRate, current.LearningRate);
        Check("min learning rate", saved.EffectiveMinLearningRate, current.EffectiveMinLearningRate);
        Check("warmup steps", saved.WarmupSteps, current.WarmupSteps);
        Check("weight decay", saved.WeightDecay, current.WeightDecay);
        Check("beta1", saved.Beta1, current.Beta1);
        Check("beta2", saved.Beta2, current.Beta2);
        Check("epsilon", saved.Epsilon, current.Epsilon);
        Check("clip norm", saved.ClipNorm, current.ClipNorm);
        Check("gradient accumulation", saved.GradAccumulation, current.GradAccumulation);
        Check("concurrent micro-batches", saved.ConcurrentMicroBatches, current.ConcurrentMicroBatches);
        Check("seed", saved.Seed, current.Seed);
        Check("EMA decay", saved.EmaDecay, current.EmaDecay);
        if (differences.Count > 0)
            throw LoomException.Argument(
                $"train: resume: the checkpoint (step {step}) was trained with other settings: {string.Join("; ", differences)}. " +
                "Resume with the same settings, or start a new run in another directory");
    }
}
