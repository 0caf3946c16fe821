using Loom.Core;
using Loom.Kernels;

namespace Loom.Tests.Kernels;

public class ConversionTests
{
    // Random bit patterns cover every exponent, subnormals, infinities and NaNs of every payload.
    private static float[] RandomBits(LoomRandom rng, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = BitConverter.UInt32BitsToSingle((uint)rng.NextUInt64());
        return values;
    }

    private static ushort Bits(float value) => (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);

    [Fact]
    public void BFloat16MatchesReferenceBitForBitForEveryLength()
    {
        var rng = new LoomRandom(51);
        for (int n = 0; n <= 256; n++)
        {
            var x = RandomBits(rng, n);
            var (expected, actual) = (new ushort[n], new ushort[n]);
            BFloat16ConversionReference.ToBFloat16(x, expected);
            BFloat16Conversion.ToBFloat16(x, actual);
            Assert.Equal(expected, actual);

            var (back, expectedBack) = (new float[n], new float[n]);
            BFloat16ConversionReference.ToSingle(actual, expectedBack);
            BFloat16Conversion.ToSingle(actual, back);
            Assert.Equal(expectedBack.Select(BitConverter.SingleToUInt32Bits), back.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Fact]
    public void BFloat16RoundsTiesToEvenAndKeepsSpecialValues()
    {
        float one = 1f, ulp = MathF.Pow(2, -7); // bfloat16 keeps 7 fraction bits
        float[] x =
        [
            one + ulp / 2,                     // tie between 1 and 1+ulp: 1 (even)
            one + 3 * ulp / 2,                 // tie between 1+ulp and 1+2ulp: 1+2ulp (even)
            one + ulp / 2 + MathF.Pow(2, -20), // just past the tie: up
            -0f, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.UInt32BitsToSingle(0x7F800001), // NaN with only a low payload bit: truncation would make it Inf
            BitConverter.UInt32BitsToSingle(0xFFC00000), // negative quiet NaN
            float.MaxValue,                             // rounds past the largest bfloat16: +Inf
            1e-40f,                                     // subnormal: bfloat16 has the same exponent range
            float.Epsilon,                              // smallest subnormal: below half of bfloat16's smallest, to 0
        ];
        var b = new ushort[x.Length];
        BFloat16Conversion.ToBFloat16(x, b);
        Assert.Equal(Bits(1f), b[0]);
        Assert.Equal(Bits(one + 2 * ulp), b[1]);
        Assert.Equal(Bits(one + ulp), b[2]);
        Assert.Equal(0x8000, b[3]);
        Assert.Equal(0x7F80, b[4]);
        Assert.Equal(0xFF80, b[5]);
        Assert.True(float.IsNaN(BFloat16.ToSingle(b[6])), $"0x7F800001 became 0x{b[6]:X4}");
        Assert.Equal(0xFFC0, b[7]);
        Assert.Equal(0x7F80, b[8]);
        Assert.True(Math.Abs(BFloat16.ToSingle(b[9]) - 1e-40) <= Math.Pow(2, -134), $"1e-40 → {BFloat16.ToSingle(b[9])}"); // half a subnormal step
        Assert.Equal(0, b[10]);
    }

    [Fact]
    public void EveryBFloat16AndEveryHalfSurvivesARoundTrip()
    {
        var all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var floats = new float[all.Length];
        var back = new ushort[all.Length];
        BFloat16Conversion.ToSingle(all, floats);
        BFloat16Conversion.ToBFloat16(floats, back);
        for (int i = 0; i < all.Length; i++)
        {
            if (float.IsNaN(floats[i])) Assert.True(float.IsNaN(BFloat16.ToSingle(back[i])), $"bf16 0x{i:X4}");
            else Assert.Equal(all[i], back[i]);
        }

        var halves = all.Select(BitConverter.UInt16BitsToHalf).ToArray();
        var halfBack = new Half[all.Length];
        HalfConversion.ToSingle(halves, floats);
        HalfConversion.ToHalf(floats, halfBack);
        for (int i = 0; i < all.Length; i++)
        {
            if (Half.IsNaN(halves[i])) Assert.True(Half.IsNaN(halfBack[i]), $"half 0x{i:X4}");
            else Assert.Equal(all[i], BitConverter.HalfToUInt16Bits(halfBack[i]));
        }
    }

    [Fact]
    public void FloatToBFloat16ToFloatIsWithinHalfAnUlp()
    {
        var rng = new LoomRandom(52);
        var x = SmallKernelAssert.Gaussian(rng, 1000, scale: 100f);
        var b = new ushort[x.Length];
        var back = new float[x.Length];
        BFloat16Conversion.ToBFloat16(x, b);
        BFloat16Conversion.ToSingle(b, back);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(x[i] - back[i]) <= Math.Abs(x[i]) * MathF.Pow(2, -8), $"{x[i]} → {back[i]}");
    }

    [Fact]
    public void HalfMatchesTheBclCastForEveryLength()
    {
        var rng = new LoomRandom(53);
        for (int n = 0; n <= 256; n++)
        {
            // Values spread over half's range and beyond: subnormals, overflow to Inf, plus raw NaN/Inf bit patterns.
            var x = new float[n];
            for (int i = 0; i < n; i++)
                x[i] = i % 7 == 6
                    ? BitConverter.UInt32BitsToSingle((uint)rng.NextUInt64() | 0x7F800000)
                    : (float)(rng.NextGaussian() * Math.Pow(2, rng.NextInt(50) - 30));
            var (expected, actual) = (new Half[n], new Half[n]);
            HalfConversionReference.ToHalf(x, expected);
            HalfConversion.ToHalf(x, actual);
            for (int i = 0; i < n; i++)
            {
                if (Half.IsNaN(expected[i])) Assert.True(Half.IsNaN(actual[i]), $"n={n} [{i}] {x[i]}");
                else Assert.Equal(BitConverter.HalfToUInt16Bits(expected[i]), BitConverter.HalfToUInt16Bits(actual[i]));
            }
        }
    }

    [Fact]
    public void HalfRoundsTiesToEvenAndHandlesRangeEdges()
    {
        float[] x = [1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), 65519f, 65520f, MathF.Pow(2, -24), MathF.Pow(2, -25), -0f];
        var h = new Half[x.Length];
        HalfConversion.ToHalf(x, h);
        Assert.Equal((Half)1f, h[0]);                             // tie: to even (1)
        Assert.Equal((Half)(1f + MathF.Pow(2, -9)), h[1]);        // tie: to even (1 + 2·2^-10)
        Assert.Equal((Half)65504f, h[2]);                         // largest finite half
        Assert.True(Half.IsPositiveInfinity(h[3]));               // halfway past it: Inf
        Assert.Equal(1, BitConverter.HalfToUInt16Bits(h[4]));     // smallest subnormal
        Assert.Equal(0, BitConverter.HalfToUInt16Bits(h[5]));     // tie between 0 and it: 0 (even)
        Assert.Equal(0x8000, BitConverter.HalfToUInt16Bits(h[6]));
    }

    [Fact]
    public void ShortDestinationsAreRejected()
    {
        var ex = Assert.Throws<LoomException>(() => BFloat16Conversion.ToBFloat16(new float[5], new ushort[4]));
        Assert.Contains("bfloat16", ex.Message);
        Assert.Contains("found 4", ex.Message);
        Assert.Throws<LoomException>(() => BFloat16Conversion.ToSingle(new ushort[5], new float[4]));
        Assert.Throws<LoomException>(() => HalfConversion.ToHalf(new float[5], new Half[4]));
        Assert.Throws<LoomException>(() => HalfConversion.ToSingle(new Half[5], new float[4]));
    }
}
