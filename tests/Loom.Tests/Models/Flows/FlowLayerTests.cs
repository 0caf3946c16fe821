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
        // The vectorized tanh(0) is −6e-8 rather than 0, summed here over 18 values.
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v, 1e-5f));
    }

    public static TheoryData<string> LayerNames => ["actnorm", "conv1x1", "coupling", "coupling-odd", "coupling-sigmoid", "step", "step-sigmoid"];

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
            "coupling-sigmoid" => new AffineCoupling(4, 8, rng, CouplingScale.Sigmoid),
            "step-sigmoid" => new FlowStep(4, 8, rng, CouplingScale.Sigmoid),
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
    public void Soft_clamp_gradient_matches_finite_differences_and_bounds_its_output()
    {
        Tests.Tensors.GradCheck.CheckOp(t => SoftClamp.Apply(t[0], 2f),
            x => x[0].Select(v => 2 * MathF.Tanh(v / 2)).ToArray(), [[3, 5]],
            makeInput: (r, s) => Tensor.Randn(r, s, std: 3f));
        var wide = SoftClamp.Apply(new Tensor([-1e6f, -3f, 0f, 0.01f, 1e6f], 5), 2f).ToArray();
        Assert.Equal(-2f, wide[0]);
        Assert.Equal(2f, wide[4]);
        // Slope 1 at 0, so a zero-initialized net starts at the identity (within the vectorized tanh's ~1e-7 at 0).
        Assert.Equal(0f, wide[2], 1e-6f);
        Assert.Equal(0.01f, wide[3], 1e-5f);
        Assert.InRange(wide[1], -2f, -1.5f);
    }

    /// <summary>
    /// The instability behind NaN samples: fed values far outside what it was trained on (what the inverse sees at
    /// temperature 1), a coupling's net predicts a huge raw scale. The soft-clamp coupling's log s stays within ±2 per
    /// value, so its inverse gains at most e^2 over the shift; the sigmoid kind's inverse divides by e^(−huge).
    /// </summary>
    [Fact]
    public void Soft_clamp_coupling_bounds_its_scale_for_any_input_and_the_sigmoid_one_does_not()
    {
        var x = RandomImages(13, 2, 4, 3, 3);
        var far = Ops.Scale(RandomImages(14, 2, 4, 3, 3), 300f);
        foreach (var kind in new[] { CouplingScale.SoftClamp, CouplingScale.Sigmoid })
        {
            var rng = new LoomRandom(15);
            var coupling = new AffineCoupling(4, 8, rng, kind);
            coupling.Transform(x); // initializes the net's ActNorms on in-distribution values
            FlowTestData.Perturb(coupling, rng, 1f);
            var logDet = coupling.Transform(far).LogDet.ToArray();
            float perValue = logDet.Max(v => Math.Abs(v)) / (2 * 3 * 3);
            var inverse = coupling.Inverse(far).ToArray();
            if (kind == CouplingScale.SoftClamp)
            {
                Assert.InRange(perValue, 0, SoftClamp.CouplingBound);
                Assert.All(inverse, v => Assert.True(float.IsFinite(v)));
            }
            else
            {
                Assert.True(perValue > 10, $"the sigmoid coupling's |log s| should run far beyond 2 here, found {perValue}");
                Assert.Contains(inverse, v => !float.IsFinite(v) || Math.Abs(v) > 1e6);
            }
        }
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
