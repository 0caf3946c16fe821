using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// The one training loop every family uses: AdamW (no decay on biases and norm gains), linear warmup then cosine
/// decay, global-norm clipping, gradient accumulation, evaluation every N steps, a JSONL metrics log, atomic
/// checkpoints every N steps, and a stop after N steps, M minutes or on cancellation (which saves a checkpoint).
/// </summary>
/// <remarks>
/// Exact resume: the loop draws every micro-batch from its own generator, seeded by the options and saved in each
/// checkpoint with the weights, the optimizer's moments, the task's generators and the step; the learning rate is a
/// pure function of the step. A run resumed from step k therefore repeats, bit for bit, the losses an uninterrupted
/// run has after step k (on the same machine and thread count).
/// </remarks>
public static partial class TrainingLoop
{
    public static TrainingSummary Run(ITrainingTask task, TrainerOptions options, IProgress<TrainerProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var state = new RunState(task, options);
        string? checkpointDir = options.OutDir is null ? null : Path.Combine(options.OutDir, Checkpoint.DirectoryName);
        if (options.Resume && checkpointDir is not null && Checkpoint.Exists(checkpointDir)) Restore(state, Checkpoint.Load(checkpointDir), options);
        long resumedFrom = state.Step;

        using var metrics = options.OutDir is null ? MetricsLog.None : MetricsLog.Open(options.OutDir, keepThroughStep: resumedFrom);
        var session = Stopwatch.StartNew();
        double trainSeconds = 0;
        long sessionSteps = 0, itemsPerStep = task.ItemsPerMicroBatch * options.GradAccumulation;
        float loss = float.NaN;
        EvalResult? lastEval = null;
        long lastEvalStep = -1;
        var stop = StopReason.Completed;
        task.Model.Train();

        while (state.PlannedSteps is not { } planned || state.Step < planned)
        {
            if (cancellation.IsCancellationRequested) { stop = StopReason.Cancelled; break; }
            if (options.MaxMinutes is { } minutes && session.Elapsed.TotalMinutes >= minutes) { stop = StopReason.TimeLimit; break; }

            long stepStart = Stopwatch.GetTimestamp();
            float lr = LearningRate(state, options);
            var (stepLoss, gradNorm) = OneStep(state, task, options, lr);
            loss = stepLoss;
            state.Step++;
            sessionSteps++;
            double stepSeconds = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
            trainSeconds += stepSeconds;
            if (options.Steps is null) Plan(state, options, session.Elapsed.TotalSeconds, trainSeconds, sessionSteps, stepSeconds);

            var record = new JsonObject
            {
                ["step"] = state.Step,
                ["loss"] = stepLoss,
                ["lr"] = lr,
                ["gradNorm"] = gradNorm,
                [$"{task.ItemName}PerSecond"] = Math.Round(itemsPerStep / Math.Max(stepSeconds, 1e-9), 1),
                ["elapsedSeconds"] = Math.Round(state.ElapsedBefore + session.Elapsed.TotalSeconds, 3),
            };
            bool last = state.PlannedSteps is { } total && state.Step >= total;
            if (options.EvalEvery > 0 && state.Step % options.EvalEvery == 0 || last)
            {
                Report(progress, state, task, stepLoss, lastEval, lr, gradNorm, itemsPerStep, sessionSteps, trainSeconds, session, evaluating: true);
                if (Evaluate(task, cancellation) is { } eval)
                {
                    (lastEval, lastEvalStep) = (eval, state.Step);
                    AddEval(record, eval);
                }
            }
            metrics.Write(record);
            Report(progress, state, task, stepLoss, lastEval, lr, gradNorm, itemsPerStep, sessionSteps, trainSeconds, session, evaluating: false);
            if (checkpointDir is not null && options.CheckpointEvery > 0 && state.Step % options.CheckpointEvery == 0 && !last)
                Save(checkpointDir, state, options, session.Elapsed.TotalSeconds);
        }

        // A run stopped early still ends with a validation figure, unless it was cancelled (Ctrl-C wants out now).
        if (stop != StopReason.Cancelled && lastEvalStep != state.Step && state.Step > 0)
        {
            if (Evaluate(task, cancellation) is { } eval)
            {
                (lastEval, lastEvalStep) = (eval, state.Step);
                var record = new JsonObject { ["step"] = state.Step, ["final"] = true };
                AddEval(record, eval);
                metrics.Write(record);
            }
        }
        if (checkpointDir is not null && state.Step > resumedFrom) Save(checkpointDir, state, options, session.Elapsed.TotalSeconds);
        task.Model.Train();
        return new TrainingSummary(state.Step, state.PlannedSteps ?? state.Step, stop, loss, lastEvalStep == state.Step ? lastEval : null,
            trainSeconds > 0 ? sessionSteps * itemsPerStep / trainSeconds : 0, TimeSpan.FromSeconds(state.ElapsedBefore + session.Elapsed.TotalSeconds),
            resumedFrom, checkpointDir)
        {
            Ema = state.Ema,
        };
    }

    /// <summary>One optimizer step: accumulate the micro-batches' gradients, clip, update, fold into the EMA.</summary>
    private static (float Loss, float GradNorm) OneStep(RunState state, ITrainingTask task, TrainerOptions options, float lr)
    {
        var optimizer = state.Optimizer;
        int accumulation = options.GradAccumulation;
        optimizer.ZeroGrad();
        float loss = options.ConcurrentMicroBatches && task is IConcurrentMicroBatchTask concurrent && concurrent.CanRunMicroBatchesConcurrently
            ? (float)ConcurrentMicroBatches.Accumulate(concurrent, state.Random, accumulation, state.StepStorage)
            : (float)AccumulateInTurn(task, state.Random, accumulation, state.StepStorage);
        float gradNorm = GradClip.ClipGlobalNorm(optimizer.Parameters.Select(p => p.Parameter), options.ClipNorm ?? float.PositiveInfinity);
        if (!float.IsFinite(loss) || !float.IsFinite(gradNorm))
            throw new LoomException(LoomErrorCode.InvalidArgument,
                $"train: at step {state.Step + 1} the loss is {loss} and the gradient norm {gradNorm}; training diverged — lower the " +
                "learning rate or enable clipping (the last checkpoint is unchanged)");
        optimizer.LearningRate = lr;
        optimizer.Step();
        optimizer.ZeroGrad(); // drop the gradients now rather than hold them through evaluation
        state.Ema?.Update();
        return (loss, gradNorm);
    }

    /// <summary>
    /// Accumulates the micro-batches' gradients one after another (kernels use every thread); returns the mean loss.
    /// With <paramref name="storage"/>, each micro-batch's op outputs are recycled once backward has added its
    /// gradients to the parameters' own storage.
    /// </summary>
    private static double AccumulateInTurn(ITrainingTask task, LoomRandom rng, int accumulation, StepStoragePool? storage)
    {
        double lossSum = 0;
        for (int micro = 0; micro < accumulation; micro++)
        {
            var arena = storage?.Take();
            using (arena?.Activate())
            {
                var microLoss = task.ComputeLoss(rng);
                if (microLoss.Length != 1)
                    throw LoomException.Shape("train", $"the task's loss must have one element, found shape {ShapeUtil.Format(microLoss.Shape)}");
                lossSum += microLoss.Item();
                // Seeding backward with 1/n instead of multiplying the loss: the same gradients, one op fewer.
                microLoss.Backward(Tensor.Full(1f / accumulation, microLoss.ShapeArray));
            }
            if (arena is not null) storage!.Return(arena);
        }
        return lossSum / accumulation;
    }

    private static float LearningRate(RunState state, TrainerOptions options)
    {
        // Until a time-limited run has estimated its length, the schedule is still in warmup or at its peak.
        long total = Math.Max(state.PlannedSteps ?? state.Step + 1, options.WarmupSteps);
        return LrSchedule.WarmupCosine(state.Step, options.WarmupSteps, total, options.LearningRate, options.EffectiveMinLearningRate);
    }

    /// <summary>
    /// A run limited only by time plans its schedule's length from its speed: first after a few steps, then every
    /// 50 steps from the recent step time (a shared machine speeds up and slows down) and the share of time spent
    /// evaluating and checkpointing, so the cosine ends about when the time does. The plan is saved in checkpoints.
    /// Such a run is not reproducible step for step (its length depends on the clock); a run with a step count is.
    /// </summary>
    private static void Plan(RunState state, TrainerOptions options, double sessionSeconds, double trainSeconds, long sessionSteps, double stepSeconds)
    {
        long needed = Math.Clamp(options.WarmupSteps, 3, 20);
        if (sessionSteps < needed) return;
        state.RecentStepSeconds = state.RecentStepSeconds is { } average ? 0.95 * average + 0.05 * stepSeconds : trainSeconds / sessionSteps;
        if (state.PlannedSteps is not null && sessionSteps % 50 != 0) return;
        double left = options.MaxMinutes!.Value * 60 - sessionSeconds;
        double overhead = sessionSeconds > 0 ? Math.Clamp(1 - trainSeconds / sessionSeconds, 0, 0.5) : 0;
        double perStep = state.RecentStepSeconds.Value / (1 - overhead);
        long more = (long)Math.Floor(Math.Max(0, left) * 0.97 / perStep);
        state.PlannedSteps = Math.Max(state.Step + Math.Max(more, 1), options.WarmupSteps);
    }

    private static EvalResult? Evaluate(ITrainingTask task, CancellationToken cancellation)
    {
        var model = task.Model;
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            return task.Evaluate(cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null; // the loop sees the cancellation at the top of the next step and checkpoints
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    private static void AddEval(JsonObject record, EvalResult eval)
    {
        record["valLoss"] = eval.Loss;
        foreach (var (key, value) in eval.Extra ?? new Dictionary<string, double>()) record[key] = value;
    }

    private static void Report(IProgress<TrainerProgress>? progress, RunState state, ITrainingTask task, float loss, EvalResult? eval,
        float lr, float gradNorm, long itemsPerStep, long sessionSteps, double trainSeconds, Stopwatch session, bool evaluating)
    {
        if (progress is null) return;
        double perStep = trainSeconds / Math.Max(1, sessionSteps);
        TimeSpan? remaining = state.PlannedSteps is { } planned ? TimeSpan.FromSeconds((planned - state.Step) * perStep) : null;
        progress.Report(new TrainerProgress(state.Step, state.PlannedSteps ?? 0, loss, eval?.Loss, lr, gradNorm,
            trainSeconds > 0 ? sessionSteps * itemsPerStep / trainSeconds : 0, task.ItemName,
            TimeSpan.FromSeconds(state.ElapsedBefore + session.Elapsed.TotalSeconds), remaining, evaluating));
    }
}
