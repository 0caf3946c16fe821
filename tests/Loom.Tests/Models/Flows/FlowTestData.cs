using Loom.Core;
using Loom.Models.Flows;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Tests.Models.Flows;

/// <summary>Tiny flows with every parameter moved off its (identity-like) initial value, and tiny image sets.</summary>
internal static class FlowTestData
{
    /// <summary>A flow whose ActNorms are initialized on random data and whose parameters are all perturbed, so no layer is the identity.</summary>
    public static MultiScaleFlow RandomFlow(FlowConfig config, ulong seed = 7, float spread = 0.1f)
    {
        var rng = new LoomRandom(seed);
        var flow = new MultiScaleFlow(config, rng);
        flow.Initialize(Tensor.Rand(rng, [8, config.Channels, config.Height, config.Width], -0.5f, 0.5f));
        Perturb(flow, rng, spread);
        return flow;
    }

    public static void Perturb(Loom.Nn.Module module, LoomRandom rng, float spread)
    {
        foreach (var (_, parameter) in module.NamedParameters())
        {
            var data = parameter.Data;
            for (int i = 0; i < data.Length; i++) data[i] += spread * (float)rng.NextGaussian();
        }
    }

    /// <summary>
    /// <paramref name="count"/> blocky 8-bit images (pixels on the 256-level grid, constant 2×2 blocks, a few colours):
    /// structured enough that a flow can learn them far below 8 bits/dim.
    /// </summary>
    public static ImageTensorSet BlockImages(int count, int channels = 4, int size = 8, ulong seed = 3)
    {
        var rng = new LoomRandom(seed);
        var pixels = new float[count * channels * size * size];
        for (int n = 0; n < count; n++)
            for (int c = 0; c < channels; c++)
                for (int by = 0; by < size; by += 2)
                    for (int bx = 0; bx < size; bx += 2)
                    {
                        float value = rng.NextInt(4) * 85 / 127.5f - 1f; // levels 0, 85, 170, 255
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++)
                                pixels[((n * channels + c) * size + by + dy) * size + bx + dx] = value;
                    }
        return new ImageTensorSet(pixels, count, channels, size, size);
    }

    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        var x = a.ToArray();
        var y = b.ToArray();
        Assert.Equal(x.Length, y.Length);
        float max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }
}
