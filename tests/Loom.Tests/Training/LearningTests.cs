using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;
using Loom.Training.BuiltIn;
using Loom.Training.Classification;
using Loom.Training.Demos;

namespace Loom.Tests.Training;

/// <summary>
/// Small seeded end-to-end runs: the engine must actually learn, and reproduce itself bit for bit.
/// </summary>
public class LearningTests
{
    [Fact]
    public void Mlp_fits_two_spirals_to_99_percent_training_accuracy()
    {
        var result = SpiralsDemo.Run(new SpiralsConfig(), seed: 1);
        Assert.True(result.TrainAccuracy >= 0.99f, $"training accuracy {result.TrainAccuracy:P1}");
    }

    [Fact]
    public void Conv_net_tells_shapes_apart_on_held_out_images()
    {
        var result = ShapesDemo.Run(new ShapesConfig(), seed: 1);
        Assert.True(result.TestAccuracy >= 0.95f, $"held-out accuracy {result.TestAccuracy:P1} (training {result.TrainAccuracy:P1})");
    }

    private static float[][] Snapshot(Module model) => model.Parameters().Select(p => p.Value.ToArray()).ToArray();

    private static void AssertBitwiseEqual(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i].Select(BitConverter.SingleToInt32Bits), actual[i].Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Same_seed_gives_bit_identical_training()
    {
        var config = ShapesConfig.Quick with { TrainCount = 96, TestCount = 3, Training = ShapesConfig.Quick.Training with { Epochs = 2 } };
        var first = Snapshot(ShapesDemo.Run(config, seed: 7).Model);
        var second = Snapshot(ShapesDemo.Run(config, seed: 7).Model);
        AssertBitwiseEqual(first, second);
        var other = Snapshot(ShapesDemo.Run(config, seed: 8).Model);
        Assert.NotEqual(first[0], other[0]);
    }

    [Fact]
    public void Saved_model_loads_into_a_fresh_module_with_bit_identical_outputs()
    {
        var rng = new LoomRandom(3);
        var model = ShapesDemo.CreateModel(16, rng);
        var data = ShapesDataset.Generate(32, 16, rng);
        var optimizer = new AdamW(model.NamedParameters(), 1e-2f);
        for (int i = 0; i < 3; i++) ClassifierTrainer.Step(model, optimizer, data.Inputs, data.Labels);

        string path = Path.Combine(Path.GetTempPath(), $"loom-nn-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var fresh = ShapesDemo.CreateModel(16, new LoomRandom(999));
            Assert.NotEqual(Snapshot(model)[0], Snapshot(fresh)[0]);
            fresh.Load(path);
            model.Eval();
            fresh.Eval();
            Assert.Equal(model.Forward(data.Inputs).ToArray(), fresh.Forward(data.Inputs).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Optimizer_state_saved_to_disk_resumes_to_identical_parameters()
    {
        var data = TwoSpirals.Generate(64, 0.02f, new LoomRandom(4));
        Module Fresh() => SpiralsDemo.CreateModel(16, new LoomRandom(5));
        void Steps(Module model, Optimizer optimizer, int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                optimizer.LearningRate = LrSchedule.WarmupCosine(step, 3, 10, 0.02f, 0.002f);
                var (x, y) = data.Gather(Enumerable.Range((step * 16) % 128, 16).ToArray());
                ClassifierTrainer.Step(model, optimizer, x, y, clipNorm: 1f);
            }
        }

        var straight = Fresh();
        Steps(straight, new AdamW(straight.NamedParameters(), weightDecay: 0.1f), 0, 10);

        string dir = Path.Combine(Path.GetTempPath(), $"loom-nn-{Guid.NewGuid():N}");
        try
        {
            var before = Fresh();
            var optimizer = new AdamW(before.NamedParameters(), weightDecay: 0.1f);
            Steps(before, optimizer, 0, 5);
            before.Save(Path.Combine(dir, "model.safetensors"));
            optimizer.Save(Path.Combine(dir, "optimizer.safetensors"));

            var resumed = Fresh();
            resumed.Load(Path.Combine(dir, "model.safetensors"));
            var resumedOptimizer = new AdamW(resumed.NamedParameters(), weightDecay: 0.1f);
            resumedOptimizer.Load(Path.Combine(dir, "optimizer.safetensors"));
            Assert.Equal(5, resumedOptimizer.StepCount);
            Steps(resumed, resumedOptimizer, 5, 10);

            AssertBitwiseEqual(Snapshot(straight), Snapshot(resumed));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
