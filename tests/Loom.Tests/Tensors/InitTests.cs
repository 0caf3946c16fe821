using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class InitTests
{
    private static (double Mean, double Std, float Min, float Max) Moments(Tensor t)
    {
        var v = t.ToArray();
        double mean = v.Average(x => (double)x);
        double std = Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
        return (mean, std, v.Min(), v.Max());
    }

    [Fact]
    public void Fans_of_linear_and_conv_weights()
    {
        Assert.Equal((20, 10), Init.Fans([10, 20]));
        Assert.Equal((3 * 9, 8 * 9), Init.Fans([8, 3, 3, 3]));
        var e = Assert.Throws<LoomException>(() => Init.Fans([5]));
        Assert.Contains("[5]", e.Message);
    }

    [Fact]
    public void Gains_match_torch_calculate_gain()
    {
        Assert.Equal(1f, Init.Gain(Nonlinearity.Linear));
        Assert.Equal(5f / 3f, Init.Gain(Nonlinearity.Tanh));
        Assert.Equal(MathF.Sqrt(2), Init.Gain(Nonlinearity.Relu));
        Assert.Equal(MathF.Sqrt(2f / 6f), Init.Gain(Nonlinearity.LeakyRelu, MathF.Sqrt(5)), 6);
    }

    [Fact]
    public void Kaiming_uniform_with_a_sqrt5_has_bound_one_over_sqrt_fan_in()
    {
        // PyTorch's Linear default: gain √(2/6), bound = gain·√(3/fan_in) = 1/√fan_in.
        var w = Init.KaimingUniform(Tensor.Zeros(200, 100), new LoomRandom(1), a: MathF.Sqrt(5));
        var (mean, std, min, max) = Moments(w);
        float bound = 1 / MathF.Sqrt(100);
        Assert.InRange(min, -bound, -0.98f * bound);
        Assert.InRange(max, 0.98f * bound, bound);
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.98 * bound / Math.Sqrt(3), 1.02 * bound / Math.Sqrt(3));
    }

    [Fact]
    public void Kaiming_normal_relu_fan_out_std()
    {
        var w = Init.KaimingNormal(Tensor.Zeros(64, 32, 3, 3), new LoomRandom(2), mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
        var (mean, std, _, _) = Moments(w);
        double expected = Math.Sqrt(2.0 / (64 * 9));
        Assert.InRange(mean, -0.05 * expected, 0.05 * expected);
        Assert.InRange(std, 0.97 * expected, 1.03 * expected);
    }

    [Fact]
    public void Xavier_uniform_and_normal_scale_with_both_fans()
    {
        var u = Init.XavierUniform(Tensor.Zeros(300, 100), new LoomRandom(3), gain: 2f);
        float bound = 2f * MathF.Sqrt(6f / 400f);
        var (_, uStd, uMin, uMax) = Moments(u);
        Assert.InRange(uMin, -bound, -0.98f * bound);
        Assert.InRange(uMax, 0.98f * bound, bound);
        Assert.InRange(uStd, 0.98 * bound / Math.Sqrt(3), 1.02 * bound / Math.Sqrt(3));

        var n = Init.XavierNormal(Tensor.Zeros(300, 100), new LoomRandom(4));
        Assert.InRange(Moments(n).Std, 0.98 * Math.Sqrt(2.0 / 400), 1.02 * Math.Sqrt(2.0 / 400));
    }

    [Fact]
    public void Normal_uniform_zeros_ones()
    {
        var n = Moments(Init.Normal(Tensor.Zeros(20000), new LoomRandom(5), mean: 3f, std: 0.5f));
        Assert.InRange(n.Mean, 2.985, 3.015);
        Assert.InRange(n.Std, 0.49, 0.51);
        var u = Moments(Init.Uniform(Tensor.Zeros(20000), new LoomRandom(6), -2f, 4f));
        Assert.True(u.Min >= -2f && u.Max < 4f);
        Assert.InRange(u.Mean, 0.95, 1.05);
        Assert.All(Init.Zeros(Tensor.Ones(3, 2)).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Init.Ones(Tensor.Zeros(3, 2)).ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Same_seed_same_values_other_seed_other_values()
    {
        float[] Draw(ulong seed) => Init.KaimingUniform(Tensor.Zeros(8, 8), new LoomRandom(seed)).ToArray();
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void Bad_arguments_throw_loom_exceptions()
    {
        Assert.Throws<LoomException>(() => Init.Normal(Tensor.Zeros(2), new LoomRandom(1), std: -1f));
        Assert.Throws<LoomException>(() => Init.Uniform(Tensor.Zeros(2), new LoomRandom(1), 1f, 0f));
        Assert.Throws<LoomException>(() => Init.KaimingUniform(Tensor.Zeros(4), new LoomRandom(1)));
    }
}
