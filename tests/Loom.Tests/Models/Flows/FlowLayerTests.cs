using Loom.Core;
using Loom.Models.Flows;
using Loom.Tensors;

namespace Loom.Tests.Models.Flows;

public class FlowLayerTests
{
    private static Tensor RandomImages(ulong seed, params int[] shape) => Tensor.Randn(new LoomRandom(seed), shape, mean: 0.3f, std: 2f);

    [Fact]
    public void ActNorm_init_gives_zero_mean_unit_variance_per_channel_on_the_init_batch()
    {
        var x = RandomImages(1, 5, 3, 4, 4);
        var actNorm = new ActNorm(3);
        Assert.False(actNorm.IsInitialized);
        var (y, logDet) = actNorm.Transform(x);
        Assert.True(actNorm.IsInitialized);
        var values = y.ToArray();
        for (int c = 0; c < 3; c++)
        {
            var channel = Enumerable.Range(0, 5).SelectMany(n => values.Skip((n * 3 + c) * 16).Take(16)).Select(v => (double)v).ToArray();
            double mean = channel.Average(), variance = channel.Select(v => (v - mean) * (v - mean)).Average();
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(variance, 1 - 1e-4, 1 + 1e-4);
        }
        // log|det| = H·W·Σ log scale, and the scale is 1/std of the input: compare with the data's own statistics.
        var input = x.ToArray();
        double expected = 0;
        for (int c = 0; c < 3; c++)
        {
            var channel = Enumerable.Range(0, 5).SelectMany(n => input.Skip((n * 3 + c) * 16).Take(16)).Select(v => (double)v).ToArray();
            double mean = channel.Average();
            expected -= 16 * 0.5 * Math.Log(channel.Select(v => (v - mean) * (v - mean)).Average());
        }
        Assert.Equal(expected, logDet.Item(), 1e-3);
    }

    [Fact]
    public void ActNorm_initializes_once_and_a_loaded_copy_keeps_the_init()
    {
        var actNorm = new ActNorm(2);
        actNorm.Transform(RandomImages(2, 4, 2, 2, 2));
        var state = actNorm.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());
        var other = RandomImages(3, 4, 2, 2, 2);
        var first = actNorm.Transform(other).Y.ToArray();

        var loaded = new ActNorm(2);
        loaded.LoadStateDict(state);
        Assert.True(loaded.IsInitialized);
        Assert.Equal(first, loaded.Transform(other).Y.ToArray());
    }

    [Fact]
    public void Invertible_1x1_conv_log_det_equals_log_abs_det_of_its_weight()
    {
        var rng = new LoomRandom(4);
        var conv = new InvertibleConv1x1(5, rng);
        FlowTestData.Perturb(conv, rng, 0.3f);
        var x = RandomImages(5, 2, 5, 3, 2);
        var (y, logDet) = conv.Transform(x);

        var weight = conv.Weight().ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(3 * 2 * LogAbsDet(weight, 5), logDet.Item(), 1e-3);
        // The layer is the matrix applied at every pixel: y[n, :, i, j] = W · x[n, :, i, j].
        var xs = x.ToArray();
        var ys = y.ToArray();
        for (int n = 0; n < 2; n++)
            for (int p = 0; p < 6; p++)
                for (int o = 0; o < 5; o++)
                {
                    double sum = 0;
                    for (int c = 0; c < 5; c++) sum += weight[o * 5 + c] * xs[(n * 5 + c) * 6 + p];
                    Assert.Equal(sum, ys[(n * 5 + o) * 6 + p], 1e-4);
                }
    }

    [Fact]
    public void Invertible_1x1_conv_starts_as_a_rotation()
    {
        var conv = new InvertibleConv1x1(6, new LoomRandom(9));
        var w = conv.Weight().ToArray();
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                double dot = 0;
                for (int k = 0; k < 6; k++) dot += w[i * 6 + k] * w[j * 6 + k];
                Assert.Equal(i == j ? 1 : 0, dot, 1e-5);
            }
        Assert.Equal(0, conv.Transform(RandomImages(1, 1, 6, 2, 2)).LogDet.Item(), 1e-5);
    }

    [Fact]
    public void Coupling_starts_at_identity()
    {
        var coupling = new AffineCoupling(4, 8, new LoomRandom(1));
        var x = RandomImages(6, 2, 4, 3, 3);
        var (y, logDet) = coupling.Transform(x);
        // Within rounding: the vectorized exp(0) is not always exactly 1.
        Assert.InRange(FlowTestData.MaxAbsDifference(x, y), 0, 1e-5);
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v, 1e-6f));
    }

    public static TheoryData<string> LayerNames => ["actnorm", "conv1x1", "coupling", "coupling-odd", "step"];

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Every_layer_inverts_exactly(string name)
    {
        var rng = new LoomRandom(11);
        FlowLayer layer = name switch
        {
            "actnorm" => new ActNorm(4),
            "conv1x1" => new InvertibleConv1x1(4, rng),
            "coupling" => new AffineCoupling(4, 8, rng),
            "coupling-odd" => new AffineCoupling(5, 8, rng),
            _ => new FlowStep(4, 8, rng),
        };
        int channels = name == "coupling-odd" ? 5 : 4;
        var x = RandomImages(12, 3, channels, 4, 4);
        layer.Transform(x); // initializes an ActNorm
        FlowTestData.Perturb(layer, rng, 0.3f);
        var (y, _) = layer.Transform(x);
        Assert.True(FlowTestData.MaxAbsDifference(x, y) > 1e-2, "the perturbed layer should not be the identity");
        Assert.InRange(FlowTestData.MaxAbsDifference(x, layer.Inverse(y)), 0, 1e-4);
    }

    [Fact]
    public void Squeeze_moves_each_2x2_block_into_channels_and_back()
    {
        var x = Tensor.Arange(2 * 3 * 4 * 6).Reshape(2, 3, 4, 6);
        var y = Squeeze.Down(x);
        Assert.Equal([2, 12, 2, 3], y.ShapeArray);
        // Output channel c·4 + dy·2 + dx at (i, j) holds input channel c at (2i + dy, 2j + dx).
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 3; j++)
                                Assert.Equal(x[n, c, 2 * i + dy, 2 * j + dx], y[n, c * 4 + dy * 2 + dx, i, j]);
        Assert.Equal(x.ToArray(), Squeeze.Up(y).ToArray());
        Assert.Throws<LoomException>(() => Squeeze.Down(Tensor.Zeros(1, 1, 3, 4)));
    }

    /// <summary>log|det A| by Gaussian elimination with partial pivoting, in double (independent of the library's).</summary>
    internal static double LogAbsDet(double[] a, int n)
    {
        var m = (double[])a.Clone();
        double sum = 0;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[pivot * n + col])) pivot = r;
            for (int k = 0; k < n; k++) (m[col * n + k], m[pivot * n + k]) = (m[pivot * n + k], m[col * n + k]);
            double diagonal = m[col * n + col];
            sum += Math.Log(Math.Abs(diagonal));
            for (int r = col + 1; r < n; r++)
            {
                double factor = m[r * n + col] / diagonal;
                for (int k = col; k < n; k++) m[r * n + k] -= factor * m[col * n + k];
            }
        }
        return sum;
    }
}
