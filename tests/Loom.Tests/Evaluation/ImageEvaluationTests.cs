using Loom.Core;
using Loom.Evaluation.Images;
using Loom.Evaluation.Likelihood;
using Loom.Models.Imaging;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Tests.Evaluation;

public class ImageEvaluationTests
{
    private const int Size = 8;

    // Coloured squares on black at random places: a small "real" set with structure the features can see.
    private static ImageTensorSet Squares(ulong seed, int count)
    {
        var rng = new LoomRandom(seed);
        var pixels = new float[count * 3 * Size * Size];
        Array.Fill(pixels, -1f);
        for (int i = 0; i < count; i++)
        {
            int x0 = rng.NextInt(Size - 3), y0 = rng.NextInt(Size - 3), c = rng.NextInt(3);
            for (int y = y0; y < y0 + 4; y++)
                for (int x = x0; x < x0 + 4; x++) pixels[((i * 3 + c) * Size + y) * Size + x] = 1f;
        }
        return new ImageTensorSet(pixels, count, 3, Size, Size);
    }

    /// <summary>A stand-in model: draws squares like the data (good) or uniform noise (bad), with a fixed likelihood.</summary>
    private sealed class FakeModel(bool good) : IImageModel, IImageLikelihood
    {
        public string Family => "fake";
        public int Channels => 3;
        public int Height => Size;
        public int Width => Size;
        public bool AcceptsPrompt => false;
        public bool IsExact => true;
        public int Calls { get; private set; }

        public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
        {
            Calls++;
            if (good) return Squares(rng.NextUInt64(), request.Count).Batch(Enumerable.Range(0, request.Count).ToArray());
            return Tensor.FromArray(ImageFeaturesTests.RandomImages(rng, request.Count, 3, Size, Size), request.Count, 3, Size, Size);
        }

        public double[] BitsPerDim(Tensor images, LoomRandom rng, CancellationToken cancellation = default) =>
            Enumerable.Range(0, images.Size(0)).Select(i => 2.0 + i % 2).ToArray();
    }

    [Fact]
    public void A_model_like_the_data_scores_better_than_noise_and_reports_bits_per_dim()
    {
        var real = Squares(1, 60);
        var options = new ImageEvaluationOptions { GeneratedCount = 60, BatchSize = 25, Seed = 9 };
        var model = new FakeModel(good: true);
        var good = ImageEvaluation.Run(model, real, options);
        var bad = ImageEvaluation.Run(new FakeModel(good: false), real, options);

        Assert.Equal(3, model.Calls); // 25 + 25 + 10
        Assert.Equal(ImageFeatures.Version, good.FeaturesVersion);
        Assert.Equal((60, 60), (good.RealCount, good.GeneratedCount));
        Assert.True(good.FrechetDistance < bad.FrechetDistance, $"FD {good.FrechetDistance} vs noise {bad.FrechetDistance}");
        Assert.True(good.Precision > 0.5 && good.Recall > 0.5, $"precision {good.Precision}, recall {good.Recall}");
        Assert.True(bad.Precision < 0.2, $"noise precision {bad.Precision}");
        Assert.NotNull(good.BitsPerDim);
        // Per batch of 25: 13 images at 2 and 12 at 3; the last 10: 5 and 5. Mean over all 60 images.
        Assert.Equal((2 * (13 * 2 + 12 * 3) + 5 * 2 + 5 * 3) / 60.0, good.BitsPerDim!.Mean, 10);
        Assert.Equal("exact", good.BitsPerDim.Kind);
    }

    [Fact]
    public void The_same_seed_gives_the_same_result()
    {
        var real = Squares(2, 30);
        var options = new ImageEvaluationOptions { GeneratedCount = 30, Seed = 4 };
        Assert.Equal(ImageEvaluation.Run(new FakeModel(true), real, options), ImageEvaluation.Run(new FakeModel(true), real, options));
        Assert.NotEqual(ImageEvaluation.Run(new FakeModel(true), real, options).FrechetDistance,
            ImageEvaluation.Run(new FakeModel(true), real, options with { Seed = 5 }).FrechetDistance);
    }

    [Fact]
    public void Units_convert_between_nats_and_bits()
    {
        Assert.Equal(1, LikelihoodUnits.NatsToBits(Math.Log(2)), 12);
        Assert.Equal(Math.Log(2) * 3, LikelihoodUnits.BitsToNats(3), 12);
        Assert.Equal(8.0, LikelihoodUnits.NatsToBitsPerDim(LikelihoodUnits.BitsPerDimToNats(8.0, 3072), 3072), 10);
    }

    [Fact]
    public void Bits_per_dim_on_images_of_another_shape_is_refused()
    {
        var wrong = new ImageTensorSet(new float[4 * 3 * 4 * 4], 4, 3, 4, 4);
        var error = Assert.Throws<LoomException>(() => ImageEvaluation.Run(new FakeModel(true), wrong, new() { GeneratedCount = 8 }));
        Assert.Contains("3×8×8", error.Message);
    }

    /// <summary>A model whose sampler diverges on some images (NaN pixels), as a flow's inverse can at a high temperature.</summary>
    private sealed class DivergingModel : IImageModel
    {
        public string Family => "diverging";
        public int Channels => 3;
        public int Height => Size;
        public int Width => Size;
        public bool AcceptsPrompt => false;

        public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
        {
            var pixels = ImageFeaturesTests.RandomImages(rng, request.Count, 3, Size, Size);
            pixels[5] = float.NaN; // image 0 of every batch
            return Tensor.FromArray(pixels, request.Count, 3, Size, Size);
        }
    }

    [Fact]
    public void Samples_with_non_finite_pixels_are_an_error_not_a_number()
    {
        var error = Assert.Throws<LoomException>(() => ImageEvaluation.Run(new DivergingModel(), Squares(3, 20),
            new() { GeneratedCount = 20, BatchSize = 10, Sampling = new ImageSampleRequest { Temperature = 1f } }));
        Assert.Contains("2 of 20 images", error.Message);
        Assert.Contains("--temperature", error.Message);
    }
}
