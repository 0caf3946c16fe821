using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Models.Gan;

/// <summary>
/// The GAN's own loop (TrainingLoop trains one loss with one optimizer; a GAN alternates two): per step,
/// <see cref="GanConfig.DiscriminatorSteps"/> discriminator updates on a real batch and a generated one, then one
/// generator update, each with its own AdamW, then the generator's average. It honours <see cref="TrainerOptions"/>
/// as TrainingLoop does: steps and/or minutes, warmup + cosine learning rate (D's scaled by the ratio), per-network
/// gradient clipping, seed, metrics.jsonl, atomic checkpoints (<see cref="Checkpoint"/>) every N steps, at the end and
/// on cancellation, and exact resume — every random draw comes from one generator saved in the checkpoint.
/// </summary>
public sealed partial class GanTrainer
{
    private readonly GanNetworks _networks;
    private readonly ImageTensorSet _images;
    private readonly int _batch;
    private readonly bool _flip;
    private readonly TrainerOptions _options;
    private readonly AdamW _generatorOptimizer;
    private readonly AdamW _discriminatorOptimizer;
    private readonly LoomRandom _random;
    private readonly int[] _indices;
    private long _step;
    private long? _plannedSteps;
    private double _elapsedBefore;
    private double? _recentStepSeconds;

    public GanTrainer(GanNetworks networks, ImageTensorSet images, int batchSize, bool flip, TrainerOptions options)
    {
        _networks = networks;
        _images = images;
        _batch = batchSize;
        _flip = flip;
        _options = options;
        var config = networks.Config;
        _generatorOptimizer = new AdamW(Prefixed("generator", networks.Generator), options.LearningRate, config.Beta1, config.Beta2,
            options.Epsilon, options.WeightDecay);
        _discriminatorOptimizer = new AdamW(Prefixed("discriminator", networks.Discriminator), options.LearningRate, config.Beta1,
            config.Beta2, options.Epsilon, options.WeightDecay);
        _random = new LoomRandom(options.Seed);
        _indices = new int[batchSize];
        _plannedSteps = options.Steps;
    }

    /// <summary>Generator steps completed (in all sessions).</summary>
    public long Step => _step;

    public TrainingSummary Run(IProgress<TrainerProgress>? progress = null, CancellationToken cancellation = default)
    {
        _options.Validate();
        string? checkpointDir = _options.OutDir is null ? null : Path.Combine(_options.OutDir, Checkpoint.DirectoryName);
        if (_options.Resume && checkpointDir is not null && Checkpoint.Exists(checkpointDir)) Restore(Checkpoint.Load(checkpointDir));
        long resumedFrom = _step;
        using var metrics = _options.OutDir is null ? MetricsLog.None : MetricsLog.Open(_options.OutDir, keepThroughStep: resumedFrom);
        var session = Stopwatch.StartNew();
        double trainSeconds = 0;
        long sessionSteps = 0;
        float lastLoss = float.NaN;
        var stop = StopReason.Completed;
        _networks.Train();

        while (_plannedSteps is not { } planned || _step < planned)
        {
            if (cancellation.IsCancellationRequested) { stop = StopReason.Cancelled; break; }
            if (_options.MaxMinutes is { } minutes && session.Elapsed.TotalMinutes >= minutes) { stop = StopReason.TimeLimit; break; }
            long start = Stopwatch.GetTimestamp();
            float lr = LearningRate();
            var result = OneStep(lr);
            _step++;
            sessionSteps++;
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            trainSeconds += seconds;
            if (_options.Steps is null) Plan(session.Elapsed.TotalSeconds, trainSeconds, sessionSteps, seconds);
            lastLoss = result.DiscriminatorLoss;
            long itemsPerStep = (long)_batch * (_networks.Config.DiscriminatorSteps + 1);
            metrics.Write(new JsonObject
            {
                ["step"] = _step,
                ["loss"] = result.DiscriminatorLoss,
                ["generatorLoss"] = result.GeneratorLoss,
                ["realScore"] = result.RealScore,
                ["fakeScore"] = result.FakeScore,
                ["lr"] = lr,
                ["gradNorm"] = result.GeneratorGradNorm,
                ["discriminatorGradNorm"] = result.DiscriminatorGradNorm,
                ["imagesPerSecond"] = Math.Round(_batch / Math.Max(seconds, 1e-9), 1),
                ["elapsedSeconds"] = Math.Round(_elapsedBefore + session.Elapsed.TotalSeconds, 3),
            });
            progress?.Report(new TrainerProgress(_step, _plannedSteps ?? 0, result.DiscriminatorLoss, null, lr, result.GeneratorGradNorm,
                sessionSteps * _batch / Math.Max(trainSeconds, 1e-9), "images", TimeSpan.FromSeconds(_elapsedBefore + session.Elapsed.TotalSeconds),
                _plannedSteps is { } p ? TimeSpan.FromSeconds((p - _step) * trainSeconds / sessionSteps) : null));
            bool last = _plannedSteps is { } total && _step >= total;
            if (checkpointDir is not null && _options.CheckpointEvery > 0 && _step % _options.CheckpointEvery == 0 && !last)
                Save(checkpointDir, session.Elapsed.TotalSeconds);
        }
        if (checkpointDir is not null && _step > resumedFrom) Save(checkpointDir, session.Elapsed.TotalSeconds);
        return new TrainingSummary(_step, _plannedSteps ?? _step, stop, lastLoss, null,
            trainSeconds > 0 ? sessionSteps * _batch / trainSeconds : 0, TimeSpan.FromSeconds(_elapsedBefore + session.Elapsed.TotalSeconds),
            resumedFrom, checkpointDir);
    }

    private readonly record struct StepResult(float DiscriminatorLoss, float GeneratorLoss, float RealScore, float FakeScore,
        float DiscriminatorGradNorm, float GeneratorGradNorm);

    private StepResult OneStep(float lr)
    {
        var config = _networks.Config;
        var generator = _networks.Generator;
        var discriminator = _networks.Discriminator;
        float dLoss = 0, realScore = 0, fakeScore = 0, dNorm = 0;
        for (int d = 0; d < config.DiscriminatorSteps; d++)
        {
            for (int i = 0; i < _batch; i++) _indices[i] = _random.NextInt(_images.Count);
            var real = _images.Batch(_indices, _flip ? _random : null);
            Tensor fake;
            using (GradMode.NoGrad()) fake = generator.Forward(Noise());
            // One forward over real and fake together: one power-iteration step, and GEMMs twice as tall.
            var scores = discriminator.Forward(Ops.Concat([real, fake], 0));
            var realScores = scores.Slice(0, 0, _batch);
            var fakeScores = scores.Slice(0, _batch, _batch);
            var loss = GanObjective.DiscriminatorLoss(realScores, fakeScores);
            _discriminatorOptimizer.ZeroGrad();
            loss.Backward();
            dNorm = Update(_discriminatorOptimizer, lr * config.DiscriminatorLrRatio, "discriminator", loss.Item());
            dLoss = loss.Item();
            realScore = Ops.Mean(realScores).Item();
            fakeScore = Ops.Mean(fakeScores).Item();
        }
        var generatorLoss = GanObjective.GeneratorLoss(discriminator.Forward(generator.Forward(Noise())));
        _generatorOptimizer.ZeroGrad();
        generatorLoss.Backward();
        _discriminatorOptimizer.ZeroGrad(); // D's gradients from G's loss are not D's to follow
        float gNorm = Update(_generatorOptimizer, lr, "generator", generatorLoss.Item());
        _generatorOptimizer.ZeroGrad();
        _networks.UpdateAverage(_step + 1);
        return new StepResult(dLoss, generatorLoss.Item(), realScore, fakeScore, dNorm, gNorm);
    }

    private Tensor Noise() => Tensor.Randn(_random, [_batch, _networks.Config.Latent]);

    private float Update(AdamW optimizer, float lr, string network, float loss)
    {
        float norm = GradClip.ClipGlobalNorm(optimizer.Parameters.Select(p => p.Parameter), _options.ClipNorm ?? float.PositiveInfinity);
        if (!float.IsFinite(loss) || !float.IsFinite(norm))
            throw LoomException.Argument($"gan: at step {_step + 1} the {network}'s loss is {loss} and its gradient norm {norm}; training " +
                "diverged — lower the learning rate (the last checkpoint is unchanged)");
        optimizer.LearningRate = lr;
        optimizer.Step();
        return norm;
    }

    private float LearningRate()
    {
        long total = Math.Max(_plannedSteps ?? _step + 1, _options.WarmupSteps);
        return LrSchedule.WarmupCosine(_step, _options.WarmupSteps, total, _options.LearningRate, _options.EffectiveMinLearningRate);
    }

    /// <summary>A time-limited run plans its length from its speed, as TrainingLoop does: after a few steps, then every 50.</summary>
    private void Plan(double sessionSeconds, double trainSeconds, long sessionSteps, double stepSeconds)
    {
        if (sessionSteps < Math.Clamp(_options.WarmupSteps, 3, 20)) return;
        _recentStepSeconds = _recentStepSeconds is { } average ? 0.95 * average + 0.05 * stepSeconds : trainSeconds / sessionSteps;
        if (_plannedSteps is not null && sessionSteps % 50 != 0) return;
        double left = _options.MaxMinutes!.Value * 60 - sessionSeconds;
        double overhead = sessionSeconds > 0 ? Math.Clamp(1 - trainSeconds / sessionSeconds, 0, 0.5) : 0;
        long more = (long)Math.Floor(Math.Max(0, left) * 0.97 / (_recentStepSeconds.Value / (1 - overhead)));
        _plannedSteps = Math.Max(_step + Math.Max(more, 1), _options.WarmupSteps);
    }

    private static IEnumerable<(string Name, Parameter Parameter)> Prefixed(string prefix, Module module) =>
        module.NamedParameters().Select(p => ($"{prefix}.{p.Name}", p.Parameter));
}
