using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Nn;
using Loom.Tensors;
using Loom.Text.Sampling;
using Loom.Training.Classification;
using Loom.Training.Text;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// The quickstart's language model: a small character transformer learns invented names that Loom generates itself
/// (<see cref="PseudoNames"/>), trained by the generic <see cref="TrainingLoop"/>, then samples new ones (seeded).
/// </summary>
public sealed class CharLmQuickstart(int? steps = null) : IQuickstartDemo
{
    /// <summary>Optimizer steps of a full run (about half a minute on two cores) and of a --quick one.</summary>
    public const int FullSteps = 400, QuickSteps = 100;

    /// <summary>A two-block Llama-style model: big enough to learn the syllable grammar, small enough for seconds on a CPU.</summary>
    public static TransformerConfig Config { get; } = new()
    {
        ContextLength = 16,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        ModelDim = 64,
        Dropout = 0,
    };

    public string Name => "names";
    public string Title => "invented names, char transformer";

    public IQuickstartOutcome Run(QuickstartOptions options, Action<TrainingProgress> progress, CancellationToken cancellation)
    {
        var names = PseudoNames.Text(count: 2000, options.Seed);
        var split = TextSplit.Create(names, TextMode.Lines, seed: options.Seed);
        var data = LanguageModelData.Create(split, TextMode.Lines, "char", Config.ContextLength, cancellation: cancellation);
        var model = new TransformerLm(Config with { VocabSize = data.Tokenizer.VocabSize }, options.Seed);
        var task = new AccuracyTrackingTask(new LanguageModelTask(model, data.Train, data.Validation, batchSize: 32));
        double before = LanguageModelTask.Evaluate(model, data.Validation, 64, cancellation).Loss;
        int stepCount = steps ?? (options.Quick ? QuickSteps : FullSteps);
        var trainer = new TrainerOptions
        {
            Steps = stepCount,
            WarmupSteps = Math.Min(30, stepCount / 4),
            LearningRate = 3e-3f,
            WeightDecay = 0.01f,
            EvalEvery = 0,
            Seed = options.Seed,
        };
        var summary = TrainingLoop.Run(task, trainer,
            new InlineProgress(p => { if (!p.Evaluating) progress(new TrainingProgress((int)p.Step, (int)p.TotalSteps, p.Loss, task.LastAccuracy)); }), cancellation);

        var manifest = new ModelManifest { Family = TransformerLmDirectory.Family, Text = data.Format };
        var generator = new LanguageModel(model, data.Tokenizer, manifest, "").CreateGenerator();
        var known = TextSplit.Lines(names).ToHashSet(StringComparer.Ordinal);
        var samples = Enumerable.Range(0, 12).Select(i =>
            string.Concat(generator.Generate("", new SamplingOptions { Seed = options.Seed, Temperature = 0.8f, MaxTokens = 15 }, i, cancellation)
                .Select(piece => piece.Text))).ToList();
        return new Outcome(summary, before, Math.Log(data.Tokenizer.VocabSize), samples, samples.Select(s => !known.Contains(s)).ToList(),
            model.ParameterCount, split);
    }

    /// <summary>The LM task plus next-character accuracy on each training batch, for the quickstart's progress bar.</summary>
    private sealed class AccuracyTrackingTask(LanguageModelTask inner) : ITrainingTask
    {
        public float LastAccuracy { get; private set; }
        public Module Model => inner.Model;
        public long ItemsPerMicroBatch => inner.ItemsPerMicroBatch;
        public IEnumerable<(string Name, LoomRandom Random)> RandomStreams => inner.RandomStreams;
        public EvalResult Evaluate(CancellationToken cancellation) => inner.Evaluate(cancellation);

        public Tensor ComputeLoss(LoomRandom rng)
        {
            var batch = inner.Sample(rng);
            var logits = inner.Model.Forward(batch.Inputs, batch.BatchSize, batch.Length);
            int[] predicted = Ops.ArgMax(logits.Detach(), -1);
            int right = 0, counted = 0;
            for (int i = 0; i < predicted.Length; i++)
            {
                if (batch.Targets[i] == TokenBatch.IgnoreIndex) continue;
                counted++;
                if (predicted[i] == batch.Targets[i]) right++;
            }
            LastAccuracy = counted == 0 ? 0 : (float)right / counted;
            return Ops.CrossEntropy(logits, batch.Targets, TokenBatch.IgnoreIndex);
        }
    }

    private sealed class InlineProgress(Action<TrainerProgress> report) : IProgress<TrainerProgress>
    {
        public void Report(TrainerProgress value) => report(value);
    }

    private sealed class Outcome(TrainingSummary summary, double lossBefore, double uniformLoss, List<string> samples, List<bool> novel,
        long parameters, TextSplit split) : IQuickstartOutcome
    {
        public JsonObject ToJson() => new()
        {
            ["valLoss"] = summary.Validation?.Loss,
            ["valLossBefore"] = lossBefore,
            ["uniformLoss"] = uniformLoss,
            ["steps"] = summary.Steps,
            ["parameters"] = parameters,
            ["trainingNames"] = TextSplit.Lines(split.Train).Length,
            ["samples"] = new JsonArray(samples.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["novelSamples"] = novel.Count(n => n),
        };

        public void Render(IAnsiConsole console)
        {
            console.Write(new Rule("[bold]Invented names[/]: what the character transformer learned").LeftJustified());
            console.MarkupLine($"{TextSplit.Lines(split.Train).Length} names Loom made up from a syllable grammar; a {parameters:N0}-parameter transformer " +
                $"read them one character at a time for {summary.Steps} steps.");
            console.MarkupLine(System.FormattableString.Invariant(
                $"Held-out loss [bold]{summary.Validation?.Loss:F3}[/] nats/char (untrained {lossBefore:F3}, guessing uniformly {uniformLoss:F3})."));
            console.MarkupLine("New names it samples ([green]new[/]: not in its training data):");
            for (int i = 0; i < samples.Count; i++)
                console.MarkupLine($"  {Markup.Escape(samples[i]),-16} {(novel[i] ? "[green]new[/]" : "[grey]seen[/]")}");
        }
    }
}
