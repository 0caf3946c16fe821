using Loom.Core;
using Loom.Models.Flows;
using Loom.Tensors;

namespace Loom.Tests.Models.Flows;

public class FlowLikelihoodTests
{
    // 2 channels at 4×4: D = 32, two levels (one split prior, one top prior), every kind of layer.
    private static readonly FlowConfig Tiny = new() { Channels = 2, Height = 4, Width = 4, Levels = 2, StepsPerLevel = 2, Hidden = 8 };

    /// <summary>
    /// The change of variables on a tiny flow, from outside: the Jacobian of x ↦ z (all latents flattened) by central
    /// differences, its log|det| by elimination in double, and log p(z) from each prior's μ and σ by the Gaussian
    /// formula, must add up to the flow's own log-likelihood; its analytic log-determinant must match the numeric one.
    /// </summary>
    [Theory]
    [InlineData(CouplingScale.SoftClamp)]
    [InlineData(CouplingScale.Sigmoid)]
    public void Log_likelihood_matches_the_change_of_variables_formula(CouplingScale coupling)
    {
        // Spread 0.05: at 0.2 the soft-clamp nets (ActNorm-scaled hidden features) reach |z| ~ 1e4 and a Jacobian
        // conditioned ~1e8, at 0.1 ~1e5, beyond what float32 central differences resolve to 0.02; at 0.05 it is ~30.
        var flow = FlowTestData.RandomFlow(Tiny with { Coupling = coupling }, seed: 21, spread: 0.05f);
        int d = Tiny.Dimensions;
        var x = Tensor.Rand(new LoomRandom(22), [1, 2, 4, 4], -0.5f, 0.5f);
        using var _ = GradMode.NoGrad();

        // All 2·D perturbed inputs in one batch: images are independent once the ActNorms are initialized.
        const float h = 1e-2f;
        var basis = x.ToArray();
        var probes = new float[2 * d * d];
        for (int i = 0; i < d; i++)
        {
            basis.CopyTo(probes, 2 * i * d);
            basis.CopyTo(probes, (2 * i + 1) * d);
            probes[2 * i * d + i] += h;
            probes[(2 * i + 1) * d + i] -= h;
        }
        var z = Flatten(flow.Encode(new Tensor(probes, 2 * d, 2, 4, 4)).Latents, 2 * d, d);
        var jacobian = new double[d * d]; // row: output z_j, column: input x_i
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                jacobian[j * d + i] = ((double)z[2 * i][j] - z[2 * i + 1][j]) / (2 * h);
        double numericLogDet = FlowLayerTests.LogAbsDet(jacobian, d);

        var encoding = flow.Encode(x);
        Assert.True(Math.Abs(numericLogDet) > 1, $"the random flow should change volume noticeably, log|det| = {numericLogDet}");
        Assert.Equal(numericLogDet, encoding.LogDet.Item(), 0.02);

        double logPrior = 0;
        for (int l = 0; l < flow.Levels.Count; l++)
        {
            LatentPrior prior = flow.Levels[l].Prior is { } split ? split : flow.Top;
            var (mean, logStd) = prior.Parameters(encoding.Conditions[l]);
            logPrior += GaussianLogDensity(encoding.Latents[l].ToArray(), mean.ToArray(), logStd.ToArray());
        }
        Assert.Equal(logPrior + numericLogDet, flow.LogLikelihood(x).Item(), 0.02);
    }

    /// <summary>
    /// The gradient of log p(x) that training follows, through every layer and prior, against finite differences.
    /// (The coupling nets use ReLU: a step that straddles a kink disagrees with the one-sided analytic slope, so the
    /// seed is one where no kink lies within ±eps of the inputs.)
    /// </summary>
    [Theory]
    [InlineData(CouplingScale.SoftClamp)]
    [InlineData(CouplingScale.Sigmoid)]
    public void Log_likelihood_gradient_matches_finite_differences(CouplingScale coupling)
    {
        var flow = FlowTestData.RandomFlow(Tiny with { Coupling = coupling }, seed: 32, spread: 0.05f);
        Tests.Tensors.GradCheck.CheckOp(t => flow.LogLikelihood(t[0]), null, [[2, 2, 4, 4]],
            makeInput: (r, s) => Tensor.Rand(r, s, -0.5f, 0.5f), eps: 1e-3f, atol: 2e-2f, rtol: 2e-2f);
    }

    [Fact]
    public void Whole_flow_inverts_exactly()
    {
        var config = new FlowConfig { Channels = 3, Height = 8, Width = 8, Levels = 3, StepsPerLevel = 2, Hidden = 8 };
        var flow = FlowTestData.RandomFlow(config, seed: 5, spread: 0.05f);
        var x = Tensor.Rand(new LoomRandom(6), [3, 3, 8, 8], -0.5f, 0.5f);
        var latents = flow.Encode(x).Latents;
        Assert.Equal(flow.LatentShapes(3).Select(s => string.Join(",", s)), latents.Select(t => string.Join(",", t.ShapeArray)));
        Assert.Equal(config.Dimensions * 3, latents.Sum(t => t.Length));
        Assert.InRange(FlowTestData.MaxAbsDifference(x, flow.Decode(latents)), 0, 1e-4);
    }

    [Fact]
    public void Log_likelihood_is_per_image_and_independent_of_the_batch()
    {
        var flow = FlowTestData.RandomFlow(Tiny, seed: 8);
        var x = Tensor.Rand(new LoomRandom(9), [3, 2, 4, 4], -0.5f, 0.5f);
        var together = flow.LogLikelihood(x).ToArray();
        for (int n = 0; n < 3; n++) Assert.Equal(together[n], flow.LogLikelihood(x.Slice(0, n, 1)).Item(), 1e-3f);
    }

    [Fact]
    public void Dequantization_maps_levels_into_their_bins_and_back()
    {
        var pixels = new Tensor([-1f, 1f, 0f, 85 / 127.5f - 1], 1, 1, 2, 2);
        var middle = Dequantization.ToFlowSpace(pixels).ToArray();
        Assert.Equal([0.5f / 256 - 0.5f, 255.5f / 256 - 0.5f], middle.Take(2));
        // Back at the middle of each bin: the level itself, k/127.5 − 1 (0 is between levels 127 and 128; it went to 128).
        Assert.Equal([-1f, 1f, 128 / 127.5f - 1, 85 / 127.5f - 1], Dequantization.ToPixels(new Tensor(middle, 1, 1, 2, 2)).ToArray(), new ToleranceComparer(1e-6f));
        var noisy = Dequantization.ToFlowSpace(pixels, new LoomRandom(1)).ToArray();
        int[] levels = [0, 255, 128, 85]; // 0 maps to level round(127.5) = 128
        for (int i = 0; i < 4; i++) Assert.InRange(noisy[i], levels[i] / 256f - 0.5f, (levels[i] + 1) / 256f - 0.5f);
        // A uniform density on [−½, ½)^D (log p = 0) is exactly 8 bits/dim.
        Assert.Equal(8, Dequantization.BitsPerDim(0, 1000), 12);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }

    private static float[][] Flatten(IReadOnlyList<Tensor> latents, int batch, int d)
    {
        var rows = new float[batch][];
        for (int n = 0; n < batch; n++)
            rows[n] = latents.SelectMany(t => t.Slice(0, n, 1).ToArray()).ToArray();
        Assert.All(rows, r => Assert.Equal(d, r.Length));
        return rows;
    }

    private static double GaussianLogDensity(float[] z, float[] mean, float[] logStd)
    {
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double sigma = Math.Exp(logStd[i % logStd.Length]), m = mean[i % mean.Length];
            sum += -0.5 * Math.Log(2 * Math.PI) - Math.Log(sigma) - 0.5 * (z[i] - m) * (z[i] - m) / (sigma * sigma);
        }
        return sum;
    }
}
