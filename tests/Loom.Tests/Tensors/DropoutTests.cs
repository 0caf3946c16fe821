using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class DropoutTests
{
    [Fact]
    public void Gradient_with_a_fixed_mask()
    {
        // A fresh generator with the same seed on every call gives the same mask for forward and every FD probe.
        GradCheck.CheckOp(x => Ops.Dropout(x[0], 0.4f, true, new LoomRandom(7)), null, [[3, 4]]);
    }

    [Fact]
    public void Survivors_are_scaled_and_the_rest_zeroed()
    {
        var x = Tensor.Full(2f, 1000);
        var y = Ops.Dropout(x, 0.25f, true, new LoomRandom(3)).ToArray();
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 2f / 0.75f) < 1e-6f, $"unexpected {v}"));
        int dropped = y.Count(v => v == 0f);
        Assert.InRange(dropped, 200, 300);
        // Same seed, same mask.
        Assert.Equal(y, Ops.Dropout(x, 0.25f, true, new LoomRandom(3)).ToArray());
        Assert.NotEqual(y, Ops.Dropout(x, 0.25f, true, new LoomRandom(4)).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1000)]
    public void The_mask_is_one_NextSingle_draw_per_element_in_order(int n)
    {
        // The definition the vectorized mask must keep: element i is dropped when draw i is below p.
        var values = Enumerable.Range(0, n).Select(i => i % 7 == 3 ? float.NaN : i % 11 == 5 ? float.PositiveInfinity : i - 50f).ToArray();
        var reference = new LoomRandom(21);
        var expected = values.Select(v => reference.NextSingle() < 0.3f ? 0f : v * (1f / 0.7f)).ToArray();
        var rng = new LoomRandom(21);
        var y = Ops.Dropout(new Tensor(values, n), 0.3f, true, rng).ToArray();
        Assert.Equal(expected, y); // NaN and infinity that are dropped become 0, kept ones stay
        Assert.Equal(reference.NextUInt64(), rng.NextUInt64()); // the generator moved exactly n draws
    }

    [Fact]
    public void FillSingles_gives_the_NextSingle_sequence()
    {
        var a = new LoomRandom(5);
        var b = new LoomRandom(5);
        var filled = new float[257];
        a.FillSingles(filled);
        Assert.Equal(Enumerable.Range(0, 257).Select(_ => b.NextSingle()).ToArray(), filled);
        Assert.Equal(b.NextUInt64(), a.NextUInt64());
    }

    [Fact]
    public void Identity_when_evaluating_or_p_is_zero()
    {
        var x = Tensor.Ones(4);
        Assert.Same(x, Ops.Dropout(x, 0.5f, false, new LoomRandom(1)));
        Assert.Same(x, Ops.Dropout(x, 0f, true, new LoomRandom(1)));
    }

    [Fact]
    public void P_one_gives_zeros_and_zero_gradient()
    {
        var x = Tensor.Ones(4).WithGrad();
        var y = Ops.Dropout(x, 1f, true, new LoomRandom(1));
        Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
        Ops.Sum(y).Backward();
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Probability_outside_the_unit_interval_is_rejected()
    {
        Assert.Throws<LoomException>(() => Ops.Dropout(Tensor.Ones(2), -0.1f, true, new LoomRandom(1)));
        Assert.Throws<LoomException>(() => Ops.Dropout(Tensor.Ones(2), 1.5f, true, new LoomRandom(1)));
        Assert.Throws<LoomException>(() => Ops.Dropout(Tensor.Ones(2), float.NaN, false, new LoomRandom(1)));
    }
}
