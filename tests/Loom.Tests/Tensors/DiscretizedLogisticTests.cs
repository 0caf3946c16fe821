using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class DiscretizedLogisticTests
{
    // Inputs in order: x on the 8-bit grid (edges included), means in [−1, 1], log scales in [−2.5, −0.5]
    // (bins keep mass > 1e-5 there, so finite differences never cross into the tail approximation).
    private static Func<LoomRandom, int[], Tensor> Inputs()
    {
        int call = 0;
        return (r, s) =>
        {
            var t = Tensor.Zeros(s);
            var d = t.DataSpan;
            int which = call++ % 3;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = which switch
                {
                    0 => i == 0 ? -1f : i == 1 ? 1f : r.NextInt(256) * 2f / 255f - 1f,
                    1 => r.NextSingle() * 2f - 1f,
                    _ => -2.5f + 2f * r.NextSingle(),
                };
            }
            return t;
        };
    }

    private static double Sigmoid(double t) => 1 / (1 + Math.Exp(-t));

    private static float[] Reference(float[][] v)
    {
        var result = new float[v[0].Length];
        for (int i = 0; i < result.Length; i++)
        {
            double x = v[0][i], mu = v[1][i], s = Math.Exp(v[2][i]), h = 1.0 / 255;
            double upper = x > 1 - h ? 1 : Sigmoid((x + h - mu) / s);
            double lower = x < -1 + h ? 0 : Sigmoid((x - h - mu) / s);
            result[i] = (float)-Math.Log(upper - lower);
        }
        return result;
    }

    [Fact]
    public void Value_and_gradients_match_the_cdf_difference() =>
        GradCheck.CheckOp(x => Ops.DiscretizedLogisticNll(x[0], x[1], x[2]), Reference, [[4, 6], [4, 6], [4, 6]],
            makeInput: Inputs(), eps: 1e-3f, differentiable: [false, true, true]);

    [Theory]
    [InlineData(0.0f, -3.0f)]
    [InlineData(0.9f, -1.0f)]
    [InlineData(-1.2f, -5.0f)]
    public void Probabilities_of_all_bins_sum_to_one(float mean, float logScale)
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 256).Select(k => k * 2f / 255f - 1f).ToArray(), 256);
        var nll = Ops.DiscretizedLogisticNll(x, Tensor.Full(mean, 256), Tensor.Full(logScale, 256)).ToArray();
        double total = nll.Sum(n => Math.Exp(-(double)n));
        Assert.InRange(total, 0.999, 1.001);
    }

    [Fact]
    public void Far_tails_stay_finite_with_finite_gradients()
    {
        var x = Tensor.FromArray([0.5f, -0.5f], 2);
        var mean = Tensor.FromArray([-0.9f, 0.9f], 2).WithGrad();
        var logScale = Tensor.FromArray([-7f, -7f], 2).WithGrad();
        var nll = Ops.DiscretizedLogisticNll(x, mean, logScale);
        Assert.All(nll.ToArray(), v => Assert.True(float.IsFinite(v) && v > 100, $"nll {v}"));
        Ops.Sum(nll).Backward();
        Assert.All(mean.Grad!.ToArray().Concat(logScale.Grad!.ToArray()), g => Assert.True(float.IsFinite(g)));
        // Pulling the mean toward the data lowers the loss: the gradient points away from it.
        Assert.True(mean.Grad!.ToArray()[0] < 0 && mean.Grad!.ToArray()[1] > 0);
    }

    [Fact]
    public void Mismatched_shapes_are_an_error()
    {
        var e = Assert.Throws<LoomException>(() => Ops.DiscretizedLogisticNll(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Contains("log-scale", e.Message);
    }
}
