using Loom.Core;
using Loom.Kernels;
using static Loom.Tests.Kernels.SmallKernelAssert;

namespace Loom.Tests.Kernels;

public class ActivationTests
{
    public delegate void Forward(ReadOnlySpan<float> x, Span<float> y);
    public delegate void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx);

    private static readonly Dictionary<string, (Forward Fast, Forward Reference, Backward FastGrad, Backward ReferenceGrad)> Kernels = new()
    {
        ["gelu"] = (Activations.Gelu, ActivationsReference.Gelu, Activations.GeluBackward, ActivationsReference.GeluBackward),
        ["silu"] = (Activations.Silu, ActivationsReference.Silu, Activations.SiluBackward, ActivationsReference.SiluBackward),
        ["gelu-erf"] = (Activations.GeluErf, ActivationsReference.GeluErf, Activations.GeluErfBackward, ActivationsReference.GeluErfBackward),
    };

    public static TheoryData<string> Names => new(Kernels.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardAndBackwardMatchReferenceForEveryLength(string name)
    {
        var k = Kernels[name];
        var rng = new LoomRandom(31);
        foreach (int n in AllLengths)
        {
            var x = Gaussian(rng, n, scale: 3f);
            var dy = Gaussian(rng, n);
            var (expected, actual) = (new float[n], new float[n]);
            k.Reference(x, expected);
            k.Fast(x, actual);
            Close(expected, actual, 5e-7f, 4e-6f, $"{name} n={n}");
            k.ReferenceGrad(x, dy, expected);
            k.FastGrad(x, dy, actual);
            Close(expected, actual, 5e-7f, 4e-6f, $"{name} backward n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BackwardMatchesFiniteDifferencesOfForward(string name)
    {
        var k = Kernels[name];
        var rng = new LoomRandom(32);
        var x = Gaussian(rng, 41, scale: 2.5f);
        var w = Gaussian(rng, x.Length);
        var dx = new float[x.Length];
        k.FastGrad(x, w, dx);
        var numeric = NumericGradient(p => { var y = new float[p.Length]; k.Fast(p, y); return Weighted(y, w); }, x, 1e-2f);
        GradientClose(numeric, dx, 2e-3, 1e-2, $"{name} dx");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ExtremeInputsStayFiniteAndReachTheirLimits(string name)
    {
        var k = Kernels[name];
        float[] x = [-100f, -30f, 0f, 30f, 100f, float.MaxValue / 4];
        var y = new float[x.Length];
        var dx = new float[x.Length];
        k.Fast(x, y);
        k.FastGrad(x, [1, 1, 1, 1, 1, 1], dx);
        Assert.All(y, v => Assert.True(float.IsFinite(v), $"{name}: {string.Join(", ", y)}"));
        Assert.All(dx, v => Assert.True(float.IsFinite(v), $"{name} grad: {string.Join(", ", dx)}"));
        Assert.Equal(0f, y[2]);
        Assert.Equal(100f, y[4], 4);      // ≈ x for large x
        Assert.True(Math.Abs(y[0]) < 1e-6, $"{name}(-100) = {y[0]}"); // ≈ 0 for very negative x
        Assert.Equal(1f, dx[4], 4);
        Assert.Equal(0.5f, dx[2], 6);     // every one of these has slope 1/2 at 0
    }

    [Fact]
    public void GeluIsTheTanhApproximationAtKnownPoints()
    {
        // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) at ±1: tanh(0.7978846·1.044715) = tanh(0.8335594) = 0.6823840.
        var y = new float[2];
        Activations.Gelu([1f, -1f], y);
        Assert.Equal(0.8411920f, y[0], 5);
        Assert.Equal(-0.1588080f, y[1], 5);
        Activations.GeluErf([1f, -1f], y);
        Assert.Equal(0.8413447f, y[0], 5); // Φ(1) = 0.8413447
        Assert.Equal(-0.1586553f, y[1], 5);
    }

    [Fact]
    public void ReferenceErfMatchesKnownValues()
    {
        Assert.Equal(0.8427007929497149, ActivationsReference.Erf(1), 13);
        Assert.Equal(-0.9953222650189527, ActivationsReference.Erf(-2), 13);
        Assert.Equal(0.0, ActivationsReference.Erf(0), 15);
    }

    [Fact]
    public void InPlaceAndMismatchedLengths()
    {
        var rng = new LoomRandom(33);
        var x = Gaussian(rng, 300);
        var dy = Gaussian(rng, 300);
        foreach (var (name, k) in Kernels)
        {
            var separate = new float[x.Length];
            var inPlace = (float[])x.Clone();
            k.Fast(x, separate);
            k.Fast(inPlace, inPlace);
            Assert.Equal(separate, inPlace);
            inPlace = (float[])dy.Clone();
            k.FastGrad(x, dy, separate);
            k.FastGrad(x, inPlace, inPlace);
            Assert.Equal(separate, inPlace);

            var ex = Assert.Throws<LoomException>(() => k.FastGrad(new float[4], new float[3], new float[4]));
            Assert.Contains(name, ex.Message);
            Assert.Contains("dy", ex.Message);
            ex = Assert.Throws<LoomException>(() => k.Fast(new float[4], new float[2]));
            Assert.Contains("found 2", ex.Message);
        }
    }
}
