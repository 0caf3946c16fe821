using Loom.Core;
using Loom.Nn;
using Loom.Training.BuiltIn;
using Loom.Training.Classification;

namespace Loom.Training.Demos;

/// <summary>Settings of the shapes demo; held-out images come from a separate stream of the same seed.</summary>
public sealed record ShapesConfig
{
    /// <summary>Image side in pixels; must be a multiple of 4 (two 2×2 poolings).</summary>
    public int ImageSize { get; init; } = 16;

    public int TrainCount { get; init; } = 2000;

    /// <summary>Held-out images, never seen in training: the accuracy that counts.</summary>
    public int TestCount { get; init; } = 300;

    /// <summary>Small batches: more steps for the same images, which this small net needs more than smooth gradients.</summary>
    public ClassifierTrainingOptions Training { get; init; } = new() { Epochs = 6, BatchSize = 16, LearningRate = 0.01f, WarmupSteps = 20 };

    /// <summary>Fewer images and a higher rate: usually above 90 % held-out in about a second.</summary>
    public static ShapesConfig Quick { get; } = new() { TrainCount = 600, TestCount = 150, Training = new() { Epochs = 5, BatchSize = 16, LearningRate = 0.02f, WarmupSteps = 20 } };
}

public sealed record ShapesResult(Sequential Model, ClassificationData Test, int[] TestPredictions, float TrainAccuracy, float TestAccuracy);

/// <summary>A small conv net learns to tell drawn circles, squares and triangles apart.</summary>
public static class ShapesDemo
{
    /// <summary>conv 3×3 → ReLU → max-pool 2, twice (8 then 16 channels), then a linear layer to the 3 classes.</summary>
    public static Sequential CreateModel(int imageSize, LoomRandom rng)
    {
        if (imageSize % 4 != 0) throw LoomException.Argument($"shapes model: image size must be a multiple of 4, found {imageSize}");
        int side = imageSize / 4;
        return new Sequential(
            new Conv2d(1, 8, 3, rng, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, rng, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(16 * side * side, ShapesDataset.ClassNames.Count, rng));
    }

    public static ShapesResult Run(ShapesConfig config, ulong seed, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var root = new LoomRandom(seed);
        var train = ShapesDataset.Generate(config.TrainCount, config.ImageSize, root.Fork());
        var test = ShapesDataset.Generate(config.TestCount, config.ImageSize, root.Fork());
        var model = CreateModel(config.ImageSize, root.Fork());
        ClassifierTrainer.Train(model, train, config.Training, root.Fork(), progress, cancellation);
        var predictions = ClassifierTrainer.Predict(model, test.Inputs);
        return new ShapesResult(model, test, predictions, ClassifierTrainer.Accuracy(model, train),
            ClassifierTrainer.Accuracy(predictions, test.Labels));
    }
}
