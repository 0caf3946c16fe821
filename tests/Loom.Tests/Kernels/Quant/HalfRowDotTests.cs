using System.Runtime.InteropServices;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public unsafe class HalfRowDotTests
{
    // Column counts around the 32-wide step: empty, scalar tail only, exact steps, steps plus tails, a prime.
    public static readonly TheoryData<int> Columns = [0, 1, 7, 31, 32, 33, 64, 97, 300, 1031];

    private static ushort[] RandomHalves(int count, int seed)
    {
        var random = new Random(seed);
        var bits = new ushort[count];
        for (int i = 0; i < count; i++)
        {
            float v = (random.NextSingle() * 2 - 1) * MathF.Pow(2, random.Next(-26, 8)); // normals, subnormals, ±0 by rounding
            bits[i] = BitConverter.HalfToUInt16Bits((Half)v);
        }
        return bits;
    }

    private static float[] RandomFloats(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (random.NextSingle() * 2 - 1) * scale;
        return x;
    }

    private static float Reference(ushort[] w, int offset, float[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)(float)BitConverter.UInt16BitsToHalf(w[offset + i]) * x[i];
        return (float)sum;
    }

    private static float ExactWay(ushort[] w, int offset, float[] x) =>
        x.Length == 0 ? 0 : FloatRowDot.Dot(GgmlType.F16, ref MemoryMarshal.AsBytes(w.AsSpan(offset))[0], ref x[0], x.Length);

    private static float[] Rows(ushort[] w, int rows, float[] x, bool expectScaled = true)
    {
        var scaled = new float[x.Length];
        Assert.Equal(expectScaled, HalfRowDot.TryScale(x, scaled));
        var y = new float[rows];
        fixed (ushort* wp = w)
        fixed (float* s = scaled, xp = x, yp = y)
            HalfRowDot.Rows((byte*)wp, x.Length * 2L, 0, rows, s, xp, x.Length, yp);
        return y;
    }

    [Theory]
    [MemberData(nameof(Columns))]
    public void RowsEqualTheWideningDotBitForBitAndTheDoubleReference(int cols)
    {
        if (!HalfRowDot.IsSupported) return; // no 512-bit vectors: the engine keeps FloatRowDot, tested elsewhere
        const int rows = 5;
        var w = RandomHalves(rows * cols, cols + 1);
        var x = RandomFloats(cols, cols + 2, 3f);
        var y = Rows(w, rows, x);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(ExactWay(w, r * cols, x), y[r]);
            double magnitude = 0;
            for (int c = 0; c < cols; c++) magnitude += Math.Abs((float)BitConverter.UInt16BitsToHalf(w[r * cols + c]) * x[c]);
            Assert.InRange(y[r], Reference(w, r * cols, x) - 1e-5 * magnitude - 1e-30, Reference(w, r * cols, x) + 1e-5 * magnitude + 1e-30);
        }
    }

    [Theory]
    [InlineData((ushort)0x7C00)] // +Inf
    [InlineData((ushort)0xFC00)] // −Inf
    [InlineData((ushort)0x7E01)] // NaN
    public void ARowHoldingInfOrNanGivesWhatTheWideningDotGives(ushort special)
    {
        if (!HalfRowDot.IsSupported) return;
        const int rows = 3, cols = 67;
        var w = RandomHalves(rows * cols, 11);
        w[cols + 40] = special; // row 1, inside the vector part
        w[2 * cols + 66] = special; // row 2, in the scalar tail
        var x = RandomFloats(cols, 12, 1f);
        var y = Rows(w, rows, x);
        for (int r = 0; r < rows; r++) Assert.Equal(ExactWay(w, r * cols, x), y[r]);
        Assert.True(float.IsFinite(y[0]));
        Assert.False(float.IsFinite(y[1]));
    }

    [Fact]
    public void ActivationsTooLargeToScaleAreRefused()
    {
        var scaled = new float[3];
        Assert.True(HalfRowDot.TryScale([1f, -32767f, 0f], scaled));
        Assert.Equal(-32767f * MathF.Pow(2, 112), scaled[1]);
        Assert.False(HalfRowDot.TryScale([1f, -32768f, 0f], scaled));
        Assert.False(HalfRowDot.TryScale([float.NaN, 0f], scaled));
        Assert.False(HalfRowDot.TryScale([float.PositiveInfinity], scaled));
        Assert.True(HalfRowDot.TryScale([], scaled));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(1e6f)] // too large to scale: the mat-vec takes the widening dot instead
    public void MatVecAndGroupEqualTheWideningDot(float scale)
    {
        const int rows = 19, cols = 130;
        var w = RandomHalves(rows * cols, 21);
        var x = RandomFloats(cols, 22, scale);
        byte[] bytes = MemoryMarshal.AsBytes(w.AsSpan()).ToArray();
        var y = new float[rows];
        QuantMatMul.MatVec(GgmlType.F16, bytes, rows, cols, x, y);
        var grouped = new float[rows];
        var other = new float[rows];
        QuantMatVecGroup.MatVec(x, new MatVecPart(GgmlType.F16, bytes, rows, grouped), new MatVecPart(GgmlType.F16, bytes, rows, other));
        for (int r = 0; r < rows; r++) Assert.Equal(ExactWay(w, r * cols, x), y[r]);
        Assert.Equal(y, grouped);
        Assert.Equal(y, other);
    }
}
