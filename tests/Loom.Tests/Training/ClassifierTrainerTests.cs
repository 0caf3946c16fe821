using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;
using Loom.Training.BuiltIn;
using Loom.Training.Classification;
using Loom.Training.Demos;

namespace Loom.Tests.Training;

public class ClassifierTrainerTests
{
    /// <summary>Remembers its last output weakly, to see whether anything still holds the graph.</summary>
    private sealed class Probe(Module inner) : Module
    {
        public WeakReference? LastOutput { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            var output = inner.Forward(input);
            LastOutput = new WeakReference(output);
            return output;
        }
    }

    [Fact]
    public void A_training_step_releases_its_graph()
    {
        var rng = new LoomRandom(1);
        var probe = new Probe(SpiralsDemo.CreateModel(8, rng));
        var data = TwoSpirals.Generate(16, 0.02f, rng);
        var optimizer = new AdamW(probe.NamedParameters());
        ClassifierTrainer.Step(probe, optimizer, data.Inputs, data.Labels);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(probe.LastOutput!.IsAlive, "the logits of the last step (and so its graph) are still reachable");
    }

    [Fact]
    public void Predict_uses_eval_mode_without_a_graph_and_restores_the_mode()
    {
        var rng = new LoomRandom(2);
        var model = new Sequential(new Linear(2, 4, rng), new Dropout(0.5f, rng), new Linear(4, 2, rng));
        var x = Tensor.Randn(rng, [5, 2]);
        var first = ClassifierTrainer.Predict(model, x);
        Assert.Equal(first, ClassifierTrainer.Predict(model, x, batchSize: 2)); // dropout off: same answers in any batching
        Assert.True(model.Training);
        model.Eval();
        ClassifierTrainer.Predict(model, x);
        Assert.False(model.Training);
    }

    [Fact]
    public void Accuracy_and_confusion_matrix_count_correctly()
    {
        int[] labels = [0, 1, 2, 2, 1], predictions = [0, 2, 2, 2, 1];
        Assert.Equal(0.8f, ClassifierTrainer.Accuracy(predictions, labels));
        var confusion = ClassifierTrainer.ConfusionMatrix(labels, predictions, 3);
        Assert.Equal(1, confusion[0, 0]);
        Assert.Equal(1, confusion[1, 2]);
        Assert.Equal(2, confusion[2, 2]);
        Assert.Equal(5, confusion.Cast<int>().Sum());
        Assert.Throws<LoomException>(() => ClassifierTrainer.Accuracy([0], [0, 1]));
    }

    [Fact]
    public void Progress_reports_every_step_of_every_epoch()
    {
        var rng = new LoomRandom(3);
        var data = TwoSpirals.Generate(10, 0.02f, rng);
        var seen = new List<TrainingProgress>();
        var options = new ClassifierTrainingOptions { Epochs = 2, BatchSize = 8 };
        ClassifierTrainer.Train(SpiralsDemo.CreateModel(4, rng), data, options, rng, seen.Add);
        Assert.Equal(Enumerable.Range(1, 6), seen.Select(p => p.Step)); // 20 examples → 3 batches per epoch
        Assert.All(seen, p => Assert.Equal(6, p.TotalSteps));
        Assert.All(seen, p => Assert.True(float.IsFinite(p.Loss) && p.Loss > 0));
    }
}
