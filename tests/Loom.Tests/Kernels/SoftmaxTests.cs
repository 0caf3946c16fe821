using Loom.Core;
using Loom.Kernels;
using static Loom.Tests.Kernels.SmallKernelAssert;

namespace Loom.Tests.Kernels;

public class SoftmaxTests
{
    private const int Rows = 3;

    [Fact]
    public void ForwardMatchesReferenceForEveryLength()
    {
        var rng = new LoomRandom(11);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 4f);
            var expected = new float[x.Length];
            var actual = new float[x.Length];
            SoftmaxReference.Forward(x, expected, Rows, cols);
            Softmax.Forward(x, actual, Rows, cols);
            Close(expected, actual, 1e-7f, 2e-6f, $"softmax cols={cols}");
        }
    }

    [Fact]
    public void LogForwardMatchesReferenceForEveryLength()
    {
        var rng = new LoomRandom(12);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 4f);
            var expected = new float[x.Length];
            var actual = new float[x.Length];
            SoftmaxReference.LogForward(x, expected, Rows, cols);
            Softmax.LogForward(x, actual, Rows, cols);
            Close(expected, actual, 5e-6f, 1e-6f, $"log-softmax cols={cols}");
        }
    }

    [Fact]
    public void BackwardPassesMatchReferenceForEveryLength()
    {
        var rng = new LoomRandom(13);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 2f);
            var dy = Gaussian(rng, Rows * cols);
            var y = new float[x.Length];
            var logY = new float[x.Length];
            Softmax.Forward(x, y, Rows, cols);
            Softmax.LogForward(x, logY, Rows, cols);

            var expected = new float[x.Length];
            var actual = new float[x.Length];
            SoftmaxReference.Backward(y, dy, expected, Rows, cols);
            Softmax.Backward(y, dy, actual, Rows, cols);
            Close(expected, actual, 1e-6f, 1e-5f, $"softmax backward cols={cols}");

            SoftmaxReference.LogBackward(logY, dy, expected, Rows, cols);
            Softmax.LogBackward(logY, dy, actual, Rows, cols);
            Close(expected, actual, 1e-5f, 1e-5f, $"log-softmax backward cols={cols}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(37)]
    public void BackwardMatchesFiniteDifferencesOfForward(int cols)
    {
        var rng = new LoomRandom(14);
        const int rows = 2;
        var x = Gaussian(rng, rows * cols);
        var w = Gaussian(rng, rows * cols);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        Softmax.Forward(x, y, rows, cols);
        Softmax.Backward(y, w, dx, rows, cols);
        var numeric = NumericGradient(p => { var o = new float[p.Length]; Softmax.Forward(p, o, rows, cols); return Weighted(o, w); }, x, 1e-2f);
        GradientClose(numeric, dx, 1e-4, 1e-3, "softmax dx");

        Softmax.LogForward(x, y, rows, cols);
        Softmax.LogBackward(y, w, dx, rows, cols);
        numeric = NumericGradient(p => { var o = new float[p.Length]; Softmax.LogForward(p, o, rows, cols); return Weighted(o, w); }, x, 1e-2f);
        GradientClose(numeric, dx, 1e-4, 1e-3, "log-softmax dx");
    }

    [Fact]
    public void InPlaceGivesTheSameBitsAsOutOfPlace()
    {
        var rng = new LoomRandom(15);
        foreach (int cols in new[] { 1, 17, 600, 1500 }) // also longer than the internal scratch chunk
        {
            var x = Gaussian(rng, Rows * cols, scale: 3f);
            var dy = Gaussian(rng, Rows * cols);
            var separate = new float[x.Length];
            var inPlace = (float[])x.Clone();
            Softmax.Forward(x, separate, Rows, cols);
            Softmax.Forward(inPlace, inPlace, Rows, cols);
            Assert.Equal(separate, inPlace);

            Softmax.LogForward(x, separate, Rows, cols);
            inPlace = (float[])x.Clone();
            Softmax.LogForward(inPlace, inPlace, Rows, cols);
            Assert.Equal(separate, inPlace);

            var logY = (float[])separate.Clone();
            Softmax.LogBackward(logY, dy, separate, Rows, cols);
            inPlace = (float[])dy.Clone();
            Softmax.LogBackward(logY, inPlace, inPlace, Rows, cols);
            Assert.Equal(separate, inPlace);
        }
    }

    [Fact]
    public void LargeLogitsDoNotOverflowAndRowsSumToOne()
    {
        float[] x = [1000f, 1001f, 999f, -1000f, 88f, 89f, 90f, 91f];
        var y = new float[x.Length];
        Softmax.Forward(x, y, 2, 4);
        for (int r = 0; r < 2; r++)
        {
            double sum = 0;
            for (int j = 0; j < 4; j++)
            {
                Assert.True(float.IsFinite(y[r * 4 + j]), $"y[{r},{j}] = {y[r * 4 + j]}");
                sum += y[r * 4 + j];
            }
            Assert.Equal(1.0, sum, 1e-6);
        }
        Assert.Equal(0f, y[3]); // e^(−2001) underflows to exactly zero, not NaN
        var logY = new float[x.Length];
        Softmax.LogForward(x, logY, 2, 4);
        Assert.Equal(-2001f - MathF.Log(1 + MathF.Exp(-1) + MathF.Exp(-2)), logY[3], 3);

        float[] masked = [float.NegativeInfinity, 0f, float.NegativeInfinity, float.NegativeInfinity];
        Softmax.Forward(masked, y.AsSpan(0, 4), 2, 2);
        Assert.Equal([0f, 1f], y[..2]);                        // −∞ beside a finite logit: weight 0
        Assert.True(float.IsNaN(y[2]) && float.IsNaN(y[3]));  // a fully masked row: NaN, as documented
    }

    [Fact]
    public void ShortSpansAreRejectedNamingTheKernelAndLengths()
    {
        var ex = Assert.Throws<LoomException>(() => Softmax.Forward(new float[12], new float[11], 3, 4));
        Assert.Equal(LoomErrorCode.ShapeMismatch, ex.Code);
        Assert.Contains("softmax", ex.Message);
        Assert.Contains("12", ex.Message);
        Assert.Contains("11", ex.Message);

        ex = Assert.Throws<LoomException>(() => Softmax.LogBackward(new float[12], new float[12], new float[5], 3, 4));
        Assert.Contains("log-softmax backward", ex.Message);
        Assert.Contains("dx", ex.Message);

        Assert.Throws<LoomException>(() => Softmax.Backward(new float[4], new float[4], new float[4], -1, 4));
    }
}
