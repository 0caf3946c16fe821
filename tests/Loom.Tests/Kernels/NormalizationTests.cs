using Loom.Core;
using Loom.Kernels;
using static Loom.Tests.Kernels.SmallKernelAssert;

namespace Loom.Tests.Kernels;

public class NormalizationTests
{
    private const int Rows = 3;
    private const float Eps = 1e-5f;

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void LayerNormForwardMatchesReferenceForEveryLength(bool withGamma, bool withBeta)
    {
        var rng = new LoomRandom(21);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 3f, offset: 0.5f);
            var gamma = withGamma ? Gaussian(rng, cols) : [];
            var beta = withBeta ? Gaussian(rng, cols) : [];
            var (y, mean, rstd) = (new float[x.Length], new float[Rows], new float[Rows]);
            var (ey, emean, erstd) = (new float[x.Length], new float[Rows], new float[Rows]);
            NormalizationReference.LayerNormForward(x, gamma, beta, ey, emean, erstd, Rows, cols, Eps);
            Normalization.LayerNormForward(x, gamma, beta, y, mean, rstd, Rows, cols, Eps);
            Close(ey, y, 2e-6f, 2e-6f, $"layer norm y cols={cols}");
            Close(emean, mean, 1e-6f, 1e-6f, $"layer norm mean cols={cols}");
            Close(erstd, rstd, 0, 2e-6f, $"layer norm rstd cols={cols}");
        }
    }

    [Fact]
    public void LayerNormStaysAccurateWhenTheMeanDwarfsTheSpread()
    {
        // E[x²] − E[x]² in float would lose every significant digit of the variance here.
        var rng = new LoomRandom(22);
        const int cols = 512;
        var x = Gaussian(rng, Rows * cols, scale: 0.5f, offset: 3000f);
        var (y, mean, rstd) = (new float[x.Length], new float[Rows], new float[Rows]);
        var (ey, emean, erstd) = (new float[x.Length], new float[Rows], new float[Rows]);
        NormalizationReference.LayerNormForward(x, [], [], ey, emean, erstd, Rows, cols, Eps);
        Normalization.LayerNormForward(x, [], [], y, mean, rstd, Rows, cols, Eps);
        Close(erstd, rstd, 0, 1e-5f, "rstd");
        Close(ey, y, 1e-4f, 1e-4f, "y");
    }

    [Fact]
    public void LayerNormBackwardMatchesReferenceAndAccumulates()
    {
        var rng = new LoomRandom(23);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 2f);
            var gamma = Gaussian(rng, cols);
            var dy = Gaussian(rng, Rows * cols);
            var (mean, rstd) = (new float[Rows], new float[Rows]);
            Normalization.LayerNormForward(x, gamma, [], new float[x.Length], mean, rstd, Rows, cols, Eps);

            var start = Gaussian(rng, cols); // dgamma/dbeta already hold a gradient: the kernel must add to it
            var (dx, dgamma, dbeta) = (new float[x.Length], (float[])start.Clone(), (float[])start.Clone());
            var (edx, edgamma, edbeta) = (new float[x.Length], (float[])start.Clone(), (float[])start.Clone());
            NormalizationReference.LayerNormBackward(x, gamma, mean, rstd, dy, edx, edgamma, edbeta, Rows, cols);
            Normalization.LayerNormBackward(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, Rows, cols);
            Close(edx, dx, 2e-5f, 1e-4f, $"dx cols={cols}");
            Close(edgamma, dgamma, 1e-5f, 1e-5f, $"dgamma cols={cols}");
            Close(edbeta, dbeta, 1e-5f, 1e-5f, $"dbeta cols={cols}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(33)]
    public void LayerNormBackwardMatchesFiniteDifferences(int cols)
    {
        var rng = new LoomRandom(24);
        const int rows = 2;
        var x = Gaussian(rng, rows * cols);
        var gamma = Gaussian(rng, cols);
        var beta = Gaussian(rng, cols);
        var w = Gaussian(rng, rows * cols);
        double Loss(float[] xs, float[] g, float[] b)
        {
            var y = new float[xs.Length];
            Normalization.LayerNormForward(xs, g, b, y, new float[rows], new float[rows], rows, cols, Eps);
            return Weighted(y, w);
        }

        var (mean, rstd) = (new float[rows], new float[rows]);
        Normalization.LayerNormForward(x, gamma, beta, new float[x.Length], mean, rstd, rows, cols, Eps);
        var (dx, dgamma, dbeta) = (new float[x.Length], new float[cols], new float[cols]);
        Normalization.LayerNormBackward(x, gamma, mean, rstd, w, dx, dgamma, dbeta, rows, cols);

        GradientClose(NumericGradient(p => Loss(p, gamma, beta), x, 1e-2f), dx, 2e-3, 2e-2, "dx");
        GradientClose(NumericGradient(p => Loss(x, p, beta), gamma, 1e-2f), dgamma, 2e-3, 1e-2, "dgamma");
        GradientClose(NumericGradient(p => Loss(x, gamma, p), beta, 1e-2f), dbeta, 2e-3, 1e-2, "dbeta");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RmsNormMatchesReferenceForEveryLength(bool withGamma)
    {
        var rng = new LoomRandom(25);
        foreach (int cols in AllLengths)
        {
            var x = Gaussian(rng, Rows * cols, scale: 2f, offset: 0.3f);
            var gamma = withGamma ? Gaussian(rng, cols) : [];
            var dy = Gaussian(rng, Rows * cols);
            var (y, rstd, ey, erstd) = (new float[x.Length], new float[Rows], new float[x.Length], new float[Rows]);
            NormalizationReference.RmsNormForward(x, gamma, ey, erstd, Rows, cols, Eps);
            Normalization.RmsNormForward(x, gamma, y, rstd, Rows, cols, Eps);
            Close(ey, y, 1e-6f, 2e-6f, $"rms y cols={cols}");
            Close(erstd, rstd, 0, 2e-6f, $"rms rstd cols={cols}");

            var start = Gaussian(rng, withGamma ? cols : 0);
            var (dx, dgamma, edx, edgamma) = (new float[x.Length], (float[])start.Clone(), new float[x.Length], (float[])start.Clone());
            NormalizationReference.RmsNormBackward(x, gamma, rstd, dy, edx, edgamma, Rows, cols);
            Normalization.RmsNormBackward(x, gamma, rstd, dy, dx, dgamma, Rows, cols);
            Close(edx, dx, 1e-5f, 1e-4f, $"rms dx cols={cols}");
            Close(edgamma, dgamma, 1e-5f, 1e-5f, $"rms dgamma cols={cols}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(40)]
    public void RmsNormBackwardMatchesFiniteDifferences(int cols)
    {
        var rng = new LoomRandom(26);
        const int rows = 2;
        var x = Gaussian(rng, rows * cols);
        var gamma = Gaussian(rng, cols);
        var w = Gaussian(rng, rows * cols);
        double Loss(float[] xs, float[] g)
        {
            var y = new float[xs.Length];
            Normalization.RmsNormForward(xs, g, y, new float[rows], rows, cols, Eps);
            return Weighted(y, w);
        }

        var rstd = new float[rows];
        Normalization.RmsNormForward(x, gamma, new float[x.Length], rstd, rows, cols, Eps);
        var (dx, dgamma) = (new float[x.Length], new float[cols]);
        Normalization.RmsNormBackward(x, gamma, rstd, w, dx, dgamma, rows, cols);

        GradientClose(NumericGradient(p => Loss(p, gamma), x, 1e-2f), dx, 2e-3, 2e-2, "dx");
        GradientClose(NumericGradient(p => Loss(x, p), gamma, 1e-2f), dgamma, 2e-3, 1e-2, "dgamma");
    }

    [Fact]
    public void InPlaceGivesTheSameBitsAsOutOfPlace()
    {
        var rng = new LoomRandom(27);
        const int cols = 70;
        var x = Gaussian(rng, Rows * cols);
        var gamma = Gaussian(rng, cols);
        var beta = Gaussian(rng, cols);
        var dy = Gaussian(rng, Rows * cols);
        var (mean, rstd) = (new float[Rows], new float[Rows]);

        var separate = new float[x.Length];
        var inPlace = (float[])x.Clone();
        Normalization.LayerNormForward(x, gamma, beta, separate, mean, rstd, Rows, cols, Eps);
        Normalization.LayerNormForward(inPlace, gamma, beta, inPlace, new float[Rows], new float[Rows], Rows, cols, Eps);
        Assert.Equal(separate, inPlace);

        inPlace = (float[])dy.Clone();
        Normalization.LayerNormBackward(x, gamma, mean, rstd, dy, separate, [], [], Rows, cols);
        Normalization.LayerNormBackward(x, gamma, mean, rstd, inPlace, inPlace, [], [], Rows, cols);
        Assert.Equal(separate, inPlace);

        inPlace = (float[])x.Clone();
        Normalization.RmsNormForward(x, gamma, separate, rstd, Rows, cols, Eps);
        Normalization.RmsNormForward(inPlace, gamma, inPlace, rstd, Rows, cols, Eps);
        Assert.Equal(separate, inPlace);
    }

    [Fact]
    public void WrongLengthsAreRejectedNamingTheSpan()
    {
        var ex = Assert.Throws<LoomException>(() =>
            Normalization.LayerNormForward(new float[8], new float[3], [], new float[8], new float[2], new float[2], 2, 4, Eps));
        Assert.Equal(LoomErrorCode.ShapeMismatch, ex.Code);
        Assert.Contains("layer norm", ex.Message);
        Assert.Contains("gamma", ex.Message);
        Assert.Contains("found 3", ex.Message);

        ex = Assert.Throws<LoomException>(() =>
            Normalization.RmsNormBackward(new float[8], [], new float[1], new float[8], new float[8], [], 2, 4));
        Assert.Contains("rms norm backward", ex.Message);
        Assert.Contains("rstd", ex.Message);

        ex = Assert.Throws<LoomException>(() =>
            Normalization.LayerNormBackward(new float[8], [], new float[2], new float[2], new float[8], new float[8], [], new float[5], 2, 4));
        Assert.Contains("dbeta", ex.Message);
    }
}
