using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Nn.Optim;
using Loom.Training.Trainer;

namespace Loom.Models.Gan;

public sealed partial class GanTrainer
{
    private const string DiscriminatorStepsKey = "discriminatorOptimizerSteps";

    /// <summary>
    /// Both networks, the average and both optimizers in one <see cref="Checkpoint"/>: the optimizers' states share
    /// one record (their parameter names start "generator." and "discriminator."), D's step count goes in the task state.
    /// </summary>
    private void Save(string directory, double sessionSeconds)
    {
        var generator = _generatorOptimizer.StateDict();
        var discriminator = _discriminatorOptimizer.StateDict();
        var merged = new OptimizerState(generator.Kind, generator.StepCount, generator.LearningRate);
        foreach (var state in new[] { generator, discriminator })
        {
            foreach (var (name, steps) in state.ParameterSteps) merged.ParameterSteps[name] = steps;
            foreach (var (name, values) in state.Buffers) merged.Buffers[name] = values;
        }
        Checkpoint.Save(directory, new CheckpointContent
        {
            Step = _step,
            PlannedSteps = _plannedSteps ?? 0,
            ElapsedSeconds = _elapsedBefore + sessionSeconds,
            Model = _networks.StateDict(),
            Optimizer = merged,
            LoopRandom = _random.GetState(),
            TaskRandoms = new Dictionary<string, ulong[]>(),
            TaskState = new JsonObject
            {
                [DiscriminatorStepsKey] = discriminator.StepCount,
                ["discriminatorLearningRate"] = discriminator.LearningRate,
                ["config"] = Vae.FamilySettings.ToJson(_networks.Config),
            },
            Options = _options,
            Run = _options.Run,
        });
    }

    private void Restore(CheckpointContent checkpoint)
    {
        string source = $"checkpoint at step {checkpoint.Step}";
        if (checkpoint.Options.Seed != _options.Seed || checkpoint.Options.LearningRate != _options.LearningRate)
            throw LoomException.Argument($"gan: resume: the {source} was trained with seed {checkpoint.Options.Seed} and learning rate " +
                $"{checkpoint.Options.LearningRate}, this run asks for {_options.Seed} and {_options.LearningRate}; resume with the same settings or use another directory");
        var taskState = checkpoint.TaskState ?? throw LoomException.Argument($"gan: resume: the {source} is not a GAN checkpoint (no task state)");
        if (taskState["config"] is { } saved && !JsonNode.DeepEquals(saved, Vae.FamilySettings.ToJson(_networks.Config)))
            throw LoomException.Argument($"gan: resume: the {source} has another network config ({saved.ToJsonString()}); resume with the same settings");
        _networks.LoadStateDict(checkpoint.Model, strict: true, source: source);
        _generatorOptimizer.LoadStateDict(Part(checkpoint.Optimizer, "generator.", checkpoint.Optimizer.StepCount, checkpoint.Optimizer.LearningRate));
        _discriminatorOptimizer.LoadStateDict(Part(checkpoint.Optimizer, "discriminator.",
            (long?)taskState[DiscriminatorStepsKey] ?? 0, (float?)taskState["discriminatorLearningRate"] ?? _options.LearningRate));
        _random.SetState(checkpoint.LoopRandom);
        _step = checkpoint.Step;
        _elapsedBefore = checkpoint.ElapsedSeconds;
        _plannedSteps ??= checkpoint.PlannedSteps > 0 ? checkpoint.PlannedSteps : null;
    }

    private static OptimizerState Part(OptimizerState merged, string prefix, long stepCount, float learningRate)
    {
        var part = new OptimizerState(merged.Kind, stepCount, learningRate);
        foreach (var (name, steps) in merged.ParameterSteps)
            if (name.StartsWith(prefix, StringComparison.Ordinal)) part.ParameterSteps[name] = steps;
        foreach (var (name, values) in merged.Buffers)
            if (name.StartsWith(prefix, StringComparison.Ordinal)) part.Buffers[name] = values;
        return part;
    }
}
