using Loom.Core;
using Loom.Kernels;
using static Loom.Tests.Kernels.SmallKernelAssert;

namespace Loom.Tests.Kernels;

public class RopeTests
{
    private const float Theta = 10000f;
    private static readonly int[] Positions = [0, 1, 7, 4095];

    [Theory]
    [InlineData(RopeStyle.Interleaved)]
    [InlineData(RopeStyle.NeoX)]
    public void MatchesReferenceForEveryHeadDim(RopeStyle style)
    {
        var rng = new LoomRandom(41);
        const int heads = 2;
        for (int headDim = 1; headDim <= 256; headDim++)
        {
            int rotaryDim = headDim & ~1; // odd heads rotate all but the last element
            if (rotaryDim == 0) continue;
            bool inverse = headDim % 3 == 0; // both directions, each over many lengths, at half the cost
            var x = Gaussian(rng, Positions.Length * heads * headDim);
            var expected = (float[])x.Clone();
            RopeReference.Apply(expected, Positions, heads, headDim, Theta, style, inverse, rotaryDim);
            Rope.Apply(x, Positions, heads, headDim, Theta, style, inverse, rotaryDim);
            Close(expected, x, 2e-6f, 2e-6f, $"{style} headDim={headDim} inverse={inverse}");
        }
    }

    [Fact]
    public void TableGivesTheSameBitsAsOnTheFly()
    {
        var rng = new LoomRandom(42);
        var table = new RopeTable(4096, 64, Theta, rotaryDim: 48);
        foreach (var style in new[] { RopeStyle.Interleaved, RopeStyle.NeoX })
        {
            var x = Gaussian(rng, Positions.Length * 3 * 64);
            var viaTable = (float[])x.Clone();
            Rope.Apply(x, Positions, 3, 64, Theta, style, rotaryDim: 48);
            Rope.Apply(viaTable, Positions, 3, table, style);
            Assert.Equal(x, viaTable);
        }
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved)]
    [InlineData(RopeStyle.NeoX)]
    public void InverseUndoesForwardAndPositionZeroIsIdentity(RopeStyle style)
    {
        var rng = new LoomRandom(43);
        var x = Gaussian(rng, Positions.Length * 4 * 32);
        var y = (float[])x.Clone();
        Rope.Apply(y, Positions, 4, 32, Theta, style);
        Assert.Equal(x.AsSpan(0, 4 * 32).ToArray(), y.AsSpan(0, 4 * 32).ToArray()); // position 0: cos 1, sin 0
        Assert.NotEqual(x, y);
        Rope.Apply(y, Positions, 4, 32, Theta, style, inverse: true);
        Close(x, y, 1e-6f, 1e-6f, "round trip");
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved)]
    [InlineData(RopeStyle.NeoX)]
    public void AttentionScoresDependOnlyOnRelativePosition(RopeStyle style)
    {
        // The point of RoPE: ⟨rope(q, m), rope(k, n)⟩ is a function of m − n.
        var rng = new LoomRandom(44);
        const int headDim = 16;
        var q = Gaussian(rng, headDim);
        var k = Gaussian(rng, headDim);
        double Score(int m, int n)
        {
            var (qm, kn) = ((float[])q.Clone(), (float[])k.Clone());
            Rope.Apply(qm, [m], 1, headDim, Theta, style);
            Rope.Apply(kn, [n], 1, headDim, Theta, style);
            return Weighted(qm, kn);
        }
        Assert.Equal(Score(5, 2), Score(103, 100), 4);
        Assert.Equal(Score(0, 9), Score(50, 59), 4);
        Assert.NotEqual(Score(5, 2), Score(5, 3), 3);
    }

    [Fact]
    public void NeoXIsInterleavedWithTheHalvesDealtIntoPairs()
    {
        var rng = new LoomRandom(45);
        const int headDim = 24, half = headDim / 2;
        var x = Gaussian(rng, 2 * headDim);
        var neox = (float[])x.Clone();
        Rope.Apply(neox, [3, 11], 1, headDim, Theta, RopeStyle.NeoX);

        // Move element i → 2i and i + half → 2i + 1, rotate interleaved, move back.
        var dealt = new float[x.Length];
        for (int p = 0; p < 2; p++)
        for (int i = 0; i < half; i++)
        {
            dealt[p * headDim + 2 * i] = x[p * headDim + i];
            dealt[p * headDim + 2 * i + 1] = x[p * headDim + i + half];
        }
        Rope.Apply(dealt, [3, 11], 1, headDim, Theta, RopeStyle.Interleaved);
        for (int p = 0; p < 2; p++)
        for (int i = 0; i < half; i++)
        {
            Assert.Equal(neox[p * headDim + i], dealt[p * headDim + 2 * i]);
            Assert.Equal(neox[p * headDim + i + half], dealt[p * headDim + 2 * i + 1]);
        }
    }

    [Fact]
    public void PartialRotaryLeavesTheTailAlone()
    {
        var rng = new LoomRandom(46);
        var x = Gaussian(rng, 2 * 3 * 10);
        var y = (float[])x.Clone();
        Rope.Apply(y, [5, 9], 3, 10, Theta, RopeStyle.NeoX, rotaryDim: 4);
        for (int row = 0; row < 6; row++)
        {
            Assert.NotEqual(x[row * 10], y[row * 10]);
            Assert.Equal(x.AsSpan(row * 10 + 4, 6).ToArray(), y.AsSpan(row * 10 + 4, 6).ToArray());
        }
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved)]
    [InlineData(RopeStyle.NeoX)]
    public void InverseIsTheGradientOfForward(RopeStyle style)
    {
        var rng = new LoomRandom(47);
        int[] positions = [2, 30];
        var x = Gaussian(rng, positions.Length * 2 * 8);
        var w = Gaussian(rng, x.Length);
        var dx = (float[])w.Clone();
        Rope.Apply(dx, positions, 2, 8, Theta, style, inverse: true);
        var numeric = NumericGradient(p => { var y = (float[])p.Clone(); Rope.Apply(y, positions, 2, 8, Theta, style); return Weighted(y, w); }, x, 1e-2f);
        GradientClose(numeric, dx, 1e-3, 1e-3, "rope dx");
    }

    [Fact]
    public void BadGeometryAndLayoutAreRejected()
    {
        var ex = Assert.Throws<LoomException>(() => Rope.Apply(new float[10], [0, 1], 1, 4, Theta, RopeStyle.NeoX));
        Assert.Equal(LoomErrorCode.ShapeMismatch, ex.Code);
        Assert.Contains("needs 8", ex.Message);
        Assert.Contains("found 10", ex.Message);
        ex = Assert.Throws<LoomException>(() => Rope.Apply(new float[6], [0], 1, 6, Theta, RopeStyle.NeoX, rotaryDim: 3));
        Assert.Contains("rotaryDim", ex.Message);
        ex = Assert.Throws<LoomException>(() => Rope.Apply(new float[5], [0], 1, 5, Theta, RopeStyle.NeoX));
        Assert.Contains("found 5", ex.Message); // odd head without an explicit rotaryDim
        Assert.Throws<LoomException>(() => Rope.Apply(new float[4], [0], 1, 4, 0f, RopeStyle.NeoX));
        ex = Assert.Throws<LoomException>(() => Rope.Apply(new float[4], [8], 1, new RopeTable(8, 4, Theta), RopeStyle.NeoX));
        Assert.Contains("position 8", ex.Message);
    }
}
