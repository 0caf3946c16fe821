using Loom.Core;
using Loom.Training.BuiltIn;
using Loom.Training.Images;
using Loom.Training.Trainer;

namespace Loom.Tests.Models.Vae;

/// <summary>Tiny RGB image sets for the VAE and GAN tests: coloured shapes on the 8-bit grid, and noise.</summary>
public static class TinyImages
{
    /// <summary><paramref name="count"/> shapes (circle, square, triangle, …), each tinted its own colour, [−1, 1] on the 8-bit grid.</summary>
    public static ImageTensorSet Shapes(int count, int size, ulong seed = 7)
    {
        var gray = ShapesDataset.Generate(count, size, new LoomRandom(seed)).Inputs.ToArray();
        var tints = new[] { (1f, 0.2f, 0.2f), (0.2f, 1f, 0.3f), (0.3f, 0.4f, 1f), (1f, 1f, 0.2f) };
        var pixels = new float[count * 3 * size * size];
        for (int i = 0; i < count; i++)
        {
            var (r, g, b) = tints[i % tints.Length];
            float[] tint = [r, g, b];
            for (int c = 0; c < 3; c++)
            {
                for (int p = 0; p < size * size; p++)
                {
                    float v = Math.Clamp(gray[i * size * size + p] * tint[c], 0f, 1f);
                    pixels[(i * 3 + c) * size * size + p] = MathF.Round(v * 255f) / 127.5f - 1f;
                }
            }
        }
        return new ImageTensorSet(pixels, count, 3, size, size);
    }

    /// <summary>Uniform noise images on the 8-bit grid.</summary>
    public static ImageTensorSet Noise(int count, int size, ulong seed = 99)
    {
        var rng = new LoomRandom(seed);
        var pixels = new float[count * 3 * size * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = rng.NextInt(256) / 127.5f - 1f;
        return new ImageTensorSet(pixels, count, 3, size, size);
    }

    /// <summary>A short run's options: fixed steps, no evaluation or checkpoints until the end.</summary>
    public static TrainerOptions Options(string outDir, long steps, float learningRate = 3e-3f, ulong seed = 1) => new()
    {
        Steps = steps,
        LearningRate = learningRate,
        WarmupSteps = Math.Min(10, steps),
        EvalEvery = 0,
        CheckpointEvery = 0,
        WeightDecay = 0f,
        Seed = seed,
        OutDir = outDir,
    };

    public static double MeanSquaredError(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (a[i] - b[i]) * (double)(a[i] - b[i]);
        return sum / a.Length;
    }

    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loom-img-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
