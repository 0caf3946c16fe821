using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class QuantizeTests
{
    private static float[] RandomValues(int n, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (random.NextSingle() * 2 - 1) * scale;
        return x;
    }

    private static float[] RoundTrip(GgmlType type, float[] x)
    {
        var bytes = new byte[GgmlTypeTraits.RowBytes(type, x.Length)];
        Quantize.Row(type, x, bytes);
        var y = new float[x.Length];
        Dequantize.Row(type, bytes, y);
        return y;
    }

    [Fact]
    public void Q8_0ErrorIsWithinHalfAStep()
    {
        float[] x = RandomValues(32 * 20, 1, 3f);
        float[] y = RoundTrip(GgmlType.Q8_0, x);
        for (int b = 0; b < 20; b++)
        {
            float amax = x.Skip(b * 32).Take(32).Max(MathF.Abs);
            float step = amax / 127;
            for (int j = b * 32; j < b * 32 + 32; j++) Assert.InRange(MathF.Abs(x[j] - y[j]), 0, step * 0.57f);
        }
    }

    [Fact]
    public void Q4_0MapsTheExtremeExactlyAndStaysWithinAStep()
    {
        float[] x = RandomValues(32 * 20, 2, 0.5f);
        x[5] = -0.75f; // block 0's extreme is negative: d = 0.75/8 > 0, it maps to quant 0
        float[] y = RoundTrip(GgmlType.Q4_0, x);
        Assert.Equal((float)(Half)(-0.75f / -8) * -8, y[5]);
        for (int b = 0; b < 20; b++)
        {
            float amax = x.Skip(b * 32).Take(32).Max(MathF.Abs);
            for (int j = b * 32; j < b * 32 + 32; j++) Assert.InRange(MathF.Abs(x[j] - y[j]), 0, amax / 8 * 1.01f);
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_1, 15)]
    [InlineData(GgmlType.Q5_1, 31)]
    public void MinimumOffsetTypesSpanTheBlockRangeWithinHalfAStep(GgmlType type, int levels)
    {
        float[] x = RandomValues(32 * 20, 3, 2f);
        for (int b = 0; b < 20; b++) x[b * 32 + b % 32] += 1f; // skew each block so min ≠ −max
        float[] y = RoundTrip(type, x);
        for (int b = 0; b < 20; b++)
        {
            var block = x.Skip(b * 32).Take(32).ToArray();
            float min = block.Min(), step = (block.Max() - min) / levels;
            int argMin = Array.IndexOf(block, min);
            Assert.Equal((float)(Half)min, y[b * 32 + argMin]); // the minimum is quant 0: exactly m
            // Half a step, plus the half-precision rounding of d (times up to 31 steps) and of m.
            for (int j = 0; j < 32; j++)
                Assert.InRange(MathF.Abs(block[j] - y[b * 32 + j]), 0, step * 0.5f + levels * step / 1024 + MathF.Abs(min) / 1024);
        }
    }

    [Fact]
    public void Q5_0MapsTheExtremeExactlyAndStaysWithinAStep()
    {
        float[] x = RandomValues(32 * 20, 4, 0.5f);
        x[37] = 0.9f; // block 1's extreme is positive: d = 0.9 / −16 < 0, it maps to quant 0 (value −16·d)
        float[] y = RoundTrip(GgmlType.Q5_0, x);
        Assert.Equal((float)(Half)(0.9f / -16) * -16, y[37]);
        for (int b = 0; b < 20; b++)
        {
            float amax = x.Skip(b * 32).Take(32).Max(MathF.Abs);
            for (int j = b * 32; j < b * 32 + 32; j++) Assert.InRange(MathF.Abs(x[j] - y[j]), 0, amax / 16 * 1.01f);
        }
        // The fifth bits land in qh: with a constant block every quant is 16 + the trunc(0 + 16.5) = 16 → all qh bits set.
        var bytes = new byte[22];
        Quantize.Row(GgmlType.Q5_0, new float[32], bytes);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, bytes[2..6]);
        Assert.All(bytes[6..], b => Assert.Equal(0x00, b));
    }

    [Fact]
    public void ZeroBlocksAndRoundingFollowGgml()
    {
        var q8 = new byte[34];
        Quantize.Row(GgmlType.Q8_0, new float[32], q8);
        Assert.All(q8, b => Assert.Equal(0, b));
        var q4 = new byte[18];
        Quantize.Row(GgmlType.Q4_0, new float[32], q4);
        Assert.Equal(new byte[] { 0, 0x80 }, q4[..2]); // d = 0 / −8 is −0 in float, as in ggml
        Assert.All(q4[2..], b => Assert.Equal(0x88, b)); // 0·(1/d := 0) + 8.5 truncates to 8

        // x / d exactly ±0.5 rounds away from zero (C's roundf), not to even.
        var x = new float[32];
        x[0] = 127; x[1] = 0.5f; x[2] = -0.5f; x[3] = 2.5f;
        Quantize.Row(GgmlType.Q8_0, x, q8);
        Assert.Equal([127, 1, -1, 3], MemoryMarshal.Cast<byte, sbyte>(q8.AsSpan(2, 4)).ToArray());
    }

    [Fact]
    public void UnsupportedTargetsAndWrongSizesAreRejected()
    {
        Assert.Equal(LoomErrorCode.NotSupported,
            Assert.Throws<LoomException>(() => Quantize.Row(GgmlType.Q5_K, new float[256], new byte[176])).Code);
        Assert.Contains("32 Q8_0 values take 34 bytes, found 68",
            Assert.Throws<LoomException>(() => QuantizeActivations.Q8_0(new float[32], new byte[68])).Message);
        Assert.Contains("32 Q8_0 values take 34 bytes, found 33",
            Assert.Throws<LoomException>(() => Quantize.Row(GgmlType.Q8_0, new float[32], new byte[33])).Message);
    }

    [Fact]
    public void ActivationQ8_0RoundsHalvesToEvenWithTheMultipliedScale()
    {
        var x = new float[32];
        x[0] = 127; x[1] = 0.5f; x[2] = -0.5f; x[3] = 2.5f; x[4] = 3.5f;
        var q = new byte[34];
        QuantizeActivations.Q8_0(x, q);
        Assert.Equal([127, 0, 0, 2, 4], MemoryMarshal.Cast<byte, sbyte>(q.AsSpan(2, 5)).ToArray());
        Assert.Equal((Half)1f, MemoryMarshal.Read<Half>(q));

        float[] values = RandomValues(32 * 16, 4, 2f);
        float[] back = new float[values.Length];
        var bytes = new byte[16 * 34];
        QuantizeActivations.Q8_0(values, bytes);
        Dequantize.Row(GgmlType.Q8_0, bytes, back);
        for (int b = 0; b < 16; b++)
        {
            float step = values.Skip(b * 32).Take(32).Max(MathF.Abs) / 127;
            for (int j = b * 32; j < b * 32 + 32; j++) Assert.InRange(MathF.Abs(values[j] - back[j]), 0, step * 0.57f);
        }
    }
}
