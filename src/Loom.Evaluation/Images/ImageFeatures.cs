using Loom.Core;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Evaluation.Images;

/// <summary>
/// "loom-image-features-v1": the fixed feature network in which Loom measures Fréchet distances and precision/recall
/// between image sets. It is a small convolutional network whose weights are drawn from a fixed seed rather than
/// trained: Loom ships no pretrained weights, and random convolutional features still separate colours, edges and
/// layouts well enough to rank models; what matters is that every release computes exactly the same features, so
/// numbers compare. Change anything here (architecture, seed, preprocessing) only together with a new
/// <see cref="Version"/>; results carry the version and are comparable only between equal versions.
///
/// Preprocessing: images in [-1, 1] with 1–4 channels (gray, gray+alpha, RGB, RGBA) become RGB composited over white,
/// area-resized to 32×32. Network (3×3 convolutions, padding 1, zero bias, weights N(0, 2/fan-in) drawn in order from
/// LoomRandom(<see cref="Seed"/>)): conv 3→32, ReLU, 2×2 mean-pool (16×16); conv 32→64, ReLU, pool (8×8);
/// conv 64→128, ReLU, pool (4×4); conv 128→128, ReLU; then per channel the mean and the standard deviation over the
/// 4×4 positions: 256 features. Computed without autograd.
/// </summary>
public static class ImageFeatures
{
    public const string Version = "loom-image-features-v1";

    /// <summary>The seed the network's weights are drawn from (part of the version).</summary>
    public const ulong Seed = 0x10_0D_FE_A7;

    /// <summary>Side of the square the images are resized to.</summary>
    public const int Resolution = 32;

    /// <summary>Features per image: mean and standard deviation of the last stage's channels.</summary>
    public const int Dimension = 2 * LastChannels;

    private const int LastChannels = 128;
    private static readonly int[] StageChannels = [3, 32, 64, 128, LastChannels];
    private const int ChunkImages = 64;

    private static readonly Lazy<Tensor[]> Weights = new(DrawWeights);

    /// <summary>Features of every image in <paramref name="images"/>: [count][<see cref="Dimension"/>].</summary>
    public static double[][] Extract(ImageTensorSet images, CancellationToken cancellation = default) =>
        Extract(images.Pixels, images.Count, images.Channels, images.Height, images.Width, cancellation);

    /// <summary>Features of a [n, C, H, W] tensor of images in [-1, 1].</summary>
    public static double[][] Extract(Tensor images, CancellationToken cancellation = default)
    {
        if (images.Rank != 4) throw LoomException.Shape("image features", $"expected images [n, C, H, W], found rank {images.Rank}");
        var dense = images.Contiguous();
        return Extract(dense.AsSpan(), images.Size(0), images.Size(1), images.Size(2), images.Size(3), cancellation);
    }

    /// <summary>Features of <paramref name="count"/> channel-major images in [-1, 1], image after image.</summary>
    public static double[][] Extract(ReadOnlySpan<float> pixels, int count, int channels, int height, int width, CancellationToken cancellation = default)
    {
        if (channels is < 1 or > 4) throw LoomException.Argument($"image features: expected 1 to 4 channels, found {channels}");
        if (pixels.Length != (long)count * channels * height * width)
            throw LoomException.Shape("image features", $"expected {count}×{channels}×{height}×{width} floats, found {pixels.Length}");
        var result = new double[count][];
        int size = channels * height * width;
        for (int start = 0; start < count; start += ChunkImages)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(ChunkImages, count - start);
            var input = new float[n * 3 * Resolution * Resolution];
            for (int i = 0; i < n; i++)
            {
                var rgb = ToRgbOverWhite(pixels.Slice((start + i) * size, size), channels, height, width);
                AreaResize.Planes(rgb, 3, height, width, Resolution, Resolution).CopyTo(input, i * 3 * Resolution * Resolution);
            }
            var features = Forward(Tensor.FromArray(input, n, 3, Resolution, Resolution));
            for (int i = 0; i < n; i++) result[start + i] = features[i];
        }
        return result;
    }

    private static double[][] Forward(Tensor x)
    {
        using (GradMode.NoGrad())
        {
            var weights = Weights.Value;
            for (int stage = 0; stage < weights.Length; stage++)
            {
                x = Ops.Relu(Ops.Conv2d(x, weights[stage], null, stride: 1, padding: 1));
                if (stage < weights.Length - 1) x = Ops.AvgPool2d(x, 2);
            }
        }
        int n = x.Size(0), c = x.Size(1), positions = x.Size(2) * x.Size(3);
        var values = x.Contiguous().AsSpan();
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var row = result[i] = new double[2 * c];
            for (int ch = 0; ch < c; ch++)
            {
                var plane = values.Slice((i * c + ch) * positions, positions);
                double mean = 0;
                foreach (float v in plane) mean += v;
                mean /= positions;
                double variance = 0;
                foreach (float v in plane) variance += (v - mean) * (v - mean);
                row[ch] = mean;
                row[c + ch] = Math.Sqrt(variance / positions);
            }
        }
        return result;
    }

    // RGB in [-1, 1] composited over white: gray is repeated, alpha a ∈ [0, 1] blends colour p ∈ [0, 1] as a·p + (1 − a).
    private static float[] ToRgbOverWhite(ReadOnlySpan<float> image, int channels, int height, int width)
    {
        int plane = height * width;
        var rgb = new float[3 * plane];
        bool hasAlpha = channels is 2 or 4;
        int colours = hasAlpha ? channels - 1 : channels;
        for (int p = 0; p < plane; p++)
        {
            float alpha = hasAlpha ? Math.Clamp((image[(channels - 1) * plane + p] + 1f) / 2f, 0f, 1f) : 1f;
            for (int c = 0; c < 3; c++)
            {
                float value = Math.Clamp((image[(colours == 1 ? 0 : c) * plane + p] + 1f) / 2f, 0f, 1f);
                rgb[c * plane + p] = 2f * (alpha * value + (1f - alpha)) - 1f;
            }
        }
        return rgb;
    }

    private static Tensor[] DrawWeights()
    {
        var rng = new LoomRandom(Seed);
        var weights = new Tensor[StageChannels.Length - 1];
        for (int stage = 0; stage < weights.Length; stage++)
        {
            int input = StageChannels[stage], output = StageChannels[stage + 1];
            double std = Math.Sqrt(2.0 / (input * 9));
            var values = new float[output * input * 9];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextGaussian() * std);
            weights[stage] = Tensor.FromArray(values, output, input, 3, 3);
        }
        return weights;
    }
}
