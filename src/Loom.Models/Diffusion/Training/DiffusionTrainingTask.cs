using Loom.Core;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Schedulers;
using Loom.Nn;
using Loom.Tensors;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Models.Diffusion.Training;

/// <summary>
/// The ε-prediction objective (Ho et al. 2020, "L_simple"): draw images, a timestep t ~ U[0, T) and noise ε per image,
/// form x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε and regress the network's ε̂(x_t, t, c) on ε with the mean squared error. For
/// a conditional model each caption is replaced by the null condition with probability
/// <see cref="DiffusionConfig.ConditionDropout"/>, which trains the unconditional branch guidance needs.
/// </summary>
public sealed class DiffusionTrainingTask : ITrainingTask
{
    /// <summary>Images in the validation figure at most: enough for a stable mean, few enough to evaluate often.</summary>
    public const int MaxEvaluationImages = 256;

    private const ulong EvaluationSeed = 0x5EED_D1FF;
    private readonly DiffusionNetwork _network;
    private readonly NoiseSchedule _schedule;
    private readonly ImageTensorSet _train;
    private readonly int[]?[] _trainCaptions;
    private readonly int _batchSize;
    private readonly bool _flip;
    private readonly EvaluationSet _evaluation;

    public DiffusionTrainingTask(DiffusionNetwork network, NoiseSchedule schedule, ImageTensorSet train, ImageTensorSet? validation,
        CaptionVocabulary? vocabulary, int batchSize, bool flip)
    {
        if (train.Count == 0) throw LoomException.Argument("diffusion: the training set has no images");
        if (batchSize < 1) throw LoomException.Argument($"diffusion: batch size must be at least 1, found {batchSize}");
        var unet = network.Unet.Config;
        if (train.Channels != unet.ImageChannels || train.Height != unet.ImageSize || train.Width != unet.ImageSize)
            throw LoomException.Argument($"diffusion: images are {train.Channels}×{train.Height}×{train.Width}, the model expects {unet.ImageChannels}×{unet.ImageSize}×{unet.ImageSize}");
        _network = network;
        _schedule = schedule;
        _train = train;
        _trainCaptions = EncodeCaptions(train, vocabulary);
        _batchSize = batchSize;
        _flip = flip;
        var evaluation = validation is { Count: > 0 } ? validation : train;
        _evaluation = new EvaluationSet(evaluation, EncodeCaptions(evaluation, vocabulary), schedule.Timesteps);
    }

    public Module Model => _network;

    public long ItemsPerMicroBatch => _batchSize;

    public string ItemName => "images";

    public Tensor ComputeLoss(LoomRandom rng)
    {
        var indices = new int[_batchSize];
        for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(_train.Count);
        var x0 = _train.Batch(indices, _flip ? rng : null);
        var timesteps = new int[_batchSize];
        for (int i = 0; i < timesteps.Length; i++) timesteps[i] = rng.NextInt(_schedule.Timesteps);
        var noise = Tensor.Randn(rng, x0.ShapeArray);
        var captions = new int[]?[_batchSize];
        for (int i = 0; i < captions.Length; i++)
        {
            bool drop = rng.NextDouble() < _network.Config.ConditionDropout;
            captions[i] = drop ? null : _trainCaptions[indices[i]];
        }
        return Loss(x0.ToArray(), noise.ToArray(), timesteps, captions, x0.ShapeArray);
    }

    /// <summary>Mean ε-MSE over a fixed set of images, timesteps and noise (drawn once from a constant seed): deterministic.</summary>
    public EvalResult Evaluate(CancellationToken cancellation)
    {
        var set = _evaluation;
        double total = 0;
        int size = set.Images.ImageSize;
        for (int start = 0; start < set.Count; start += _batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(_batchSize, set.Count - start);
            var indices = Enumerable.Range(start, n).ToArray();
            var x0 = set.Images.Batch(indices).ToArray();
            var noise = set.Noise.AsSpan(start * size, n * size).ToArray();
            var loss = Loss(x0, noise, set.Timesteps.AsSpan(start, n).ToArray(), set.Captions.AsSpan(start, n).ToArray(),
                [n, set.Images.Channels, set.Images.Height, set.Images.Width]);
            total += loss.Item() * n;
        }
        return new EvalResult(total / set.Count, set.Count);
    }

    private Tensor Loss(float[] x0, float[] noise, int[] timesteps, int[]?[] captions, int[] shape)
    {
        var noisy = new float[x0.Length];
        _schedule.AddNoise(x0, noise, timesteps, noisy);
        var condition = _network.Condition(captions);
        var predicted = _network.PredictNoise(new Tensor(noisy, shape), timesteps, condition);
        return Ops.Mean(Ops.Square(predicted - new Tensor(noise, shape)));
    }

    private static int[]?[] EncodeCaptions(ImageTensorSet images, CaptionVocabulary? vocabulary)
    {
        var captions = new int[]?[images.Count];
        if (vocabulary is null) return captions;
        for (int i = 0; i < images.Count; i++)
            captions[i] = images.Caption(i) is { } caption ? vocabulary.Encode(caption) : null;
        return captions;
    }

    /// <summary>The first ≤ <see cref="MaxEvaluationImages"/> images with a timestep and noise each, fixed for the run.</summary>
    private sealed class EvaluationSet
    {
        public EvaluationSet(ImageTensorSet images, int[]?[] captions, int trainTimesteps)
        {
            Images = images;
            Count = Math.Min(images.Count, MaxEvaluationImages);
            Captions = captions[..Count];
            var rng = new LoomRandom(EvaluationSeed);
            // Evenly spread timesteps rather than random ones: the figure weighs every noise level alike.
            Timesteps = Enumerable.Range(0, Count).Select(i => (int)((i + 0.5) * trainTimesteps / Count)).ToArray();
            rng.Shuffle(Timesteps.AsSpan());
            Noise = Tensor.Randn(rng, [Count * images.ImageSize]).ToArray();
        }

        public ImageTensorSet Images { get; }
        public int Count { get; }
        public int[]?[] Captions { get; }
        public int[] Timesteps { get; }
        public float[] Noise { get; }
    }
}
