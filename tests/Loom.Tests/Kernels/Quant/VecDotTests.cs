using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class VecDotTests
{
    public static readonly TheoryData<GgmlType> WeightTypes =
        [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

    private static float[] RandomValues(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = random.NextSingle() * 2 - 1;
        return x;
    }

    internal static byte[] QuantizeActivations(GgmlType activationType, float[] x)
    {
        var bytes = new byte[GgmlTypeTraits.RowBytes(activationType, x.Length)];
        if (activationType == GgmlType.Q8_K) QuantizeQ8_K.Row(x, bytes);
        else if (activationType == GgmlType.Q8_1) Loom.Kernels.Quant.QuantizeActivations.Q8_1(x, bytes);
        else Quantize.Row(activationType, x, bytes);
        return bytes;
    }

    /// <summary>The exact dot of the dequantized rows. With Q8_1 activations the kernels use each block's stored
    /// s = d·Σq for the weight minimum's term, so that term is taken from s here too (it differs from m·Σ d·q by the
    /// rounding of s to half precision).</summary>
    private static (double Dot, double Magnitude) DequantizedDot(GgmlType wType, byte[] w, GgmlType aType, byte[] a, int n)
    {
        var wf = new float[n];
        var af = new float[n];
        DequantizeReference.Row(wType, w, wf);
        DequantizeReference.Row(aType, a, af);
        double dot = 0, magnitude = 0;
        bool minTermFromS = aType == GgmlType.Q8_1;
        int wSize = GgmlTypeTraits.TypeSize(wType);
        for (int i = 0; i < n; i++)
        {
            double m = minTermFromS ? (double)MemoryMarshal.Read<Half>(w.AsSpan(i / 32 * wSize + 2)) : 0;
            dot += (wf[i] - m) * af[i];
            magnitude += Math.Abs((wf[i] - m) * af[i]);
        }
        if (minTermFromS)
            for (int block = 0; block < n / 32; block++)
            {
                double term = (double)MemoryMarshal.Read<Half>(w.AsSpan(block * wSize + 2)) * (double)MemoryMarshal.Read<Half>(a.AsSpan(block * 36 + 2));
                dot += term;
                magnitude += Math.Abs(term);
            }
        return (dot, magnitude);
    }

    internal static float Reference(GgmlType type, byte[] w, byte[] a) => type switch
    {
        GgmlType.Q8_0 => VecDotReference.Q8_0Q8_0(MemoryMarshal.Cast<byte, BlockQ8_0>(w), MemoryMarshal.Cast<byte, BlockQ8_0>(a)),
        GgmlType.Q4_0 => VecDotReference.Q4_0Q8_0(MemoryMarshal.Cast<byte, BlockQ4_0>(w), MemoryMarshal.Cast<byte, BlockQ8_0>(a)),
        GgmlType.Q4_1 => VecDotReference.Q4_1Q8_1(MemoryMarshal.Cast<byte, BlockQ4_1>(w), MemoryMarshal.Cast<byte, BlockQ8_1>(a)),
        GgmlType.Q5_0 => VecDotReference.Q5_0Q8_0(MemoryMarshal.Cast<byte, BlockQ5_0>(w), MemoryMarshal.Cast<byte, BlockQ8_0>(a)),
        GgmlType.Q5_1 => VecDotReference.Q5_1Q8_1(MemoryMarshal.Cast<byte, BlockQ5_1>(w), MemoryMarshal.Cast<byte, BlockQ8_1>(a)),
        GgmlType.Q4_K => VecDotReference.Q4_KQ8_K(MemoryMarshal.Cast<byte, BlockQ4_K>(w), MemoryMarshal.Cast<byte, BlockQ8_K>(a)),
        GgmlType.Q5_K => VecDotReference.Q5_KQ8_K(MemoryMarshal.Cast<byte, BlockQ5_K>(w), MemoryMarshal.Cast<byte, BlockQ8_K>(a)),
        GgmlType.Q6_K => VecDotReference.Q6_KQ8_K(MemoryMarshal.Cast<byte, BlockQ6_K>(w), MemoryMarshal.Cast<byte, BlockQ8_K>(a)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Theory]
    [MemberData(nameof(WeightTypes))]
    public void FastAndReferenceDotsMatchTheDequantizedFloatDot(GgmlType type)
    {
        GgmlType aType = VecDot.ActivationType(type);
        foreach (int blocks in new[] { 1, 3, 8 })
        {
            int n = blocks * GgmlTypeTraits.BlockSize(type);
            byte[] w = DequantizeTests.RandomRow(type, n, 31 * blocks + (int)type);
            byte[] a = QuantizeActivations(aType, RandomValues(n, blocks));
            var (expected, magnitude) = DequantizedDot(type, w, aType, a, n);
            double tolerance = 1e-5 * magnitude + 1e-6;
            Assert.InRange(Reference(type, w, a), expected - tolerance, expected + tolerance);
            Assert.InRange(VecDot.Dot(type, w, a), expected - tolerance, expected + tolerance);
        }
    }

    [Fact]
    public void Q8_KQuantizationMapsTheExtremeToMinus127AndSumsEachSixteen()
    {
        float[] x = RandomValues(512, 9);
        x[300] = 1.5f;
        byte[] bytes = QuantizeActivations(GgmlType.Q8_K, x);
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_K>(bytes);
        var back = new float[512];
        DequantizeReference.Row(GgmlType.Q8_K, bytes, back);
        unsafe
        {
            BlockQ8_K b = blocks[1];
            Assert.Equal(-127, b.Qs[300 - 256]);
            Assert.True(b.D < 0);
            for (int j = 0; j < 16; j++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++) sum += b.Qs[16 * j + l];
                Assert.Equal(sum, b.BSums[j]);
            }
        }
        for (int i = 0; i < 512; i++)
        {
            float step = i < 256 ? Math.Abs(blocks[0].D) : Math.Abs(blocks[1].D);
            Assert.InRange(Math.Abs(back[i] - x[i]), 0, step * 0.5001f);
        }
        var zeros = QuantizeActivations(GgmlType.Q8_K, new float[256]);
        Assert.All(zeros, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Q8_1KeepsTheQ8_0QuantsAndTheScaledSumOfThem()
    {
        float[] x = RandomValues(96, 4);
        x[40] = 0; // a block with one exact zero, and a block of zeros
        Array.Clear(x, 64, 32);
        byte[] q80 = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q8_0, 96)];
        byte[] q81 = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q8_1, 96)];
        Loom.Kernels.Quant.QuantizeActivations.Q8_0(x, q80);
        Loom.Kernels.Quant.QuantizeActivations.Q8_1(x, q81);
        var a = MemoryMarshal.Cast<byte, BlockQ8_0>(q80);
        var b = MemoryMarshal.Cast<byte, BlockQ8_1>(q81);
        unsafe
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(a[i].D, b[i].D);
                int sum = 0;
                for (int j = 0; j < 32; j++)
                {
                    Assert.Equal(a[i].Qs[j], b[i].Qs[j]);
                    sum += b[i].Qs[j];
                }
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[i * 32 + j]));
                Assert.Equal((Half)(amax / 127f * sum), b[i].S);
            }
            Assert.Equal((Half)0, b[2].D);
            Assert.Equal((Half)0, b[2].S);
        }
    }

    [Fact]
    public void MismatchedRowsAndUnsupportedTypesAreRejected()
    {
        Assert.Throws<LoomException>(() => VecDot.Dot(GgmlType.Q8_0, new byte[68], new byte[34]));
        Assert.Throws<LoomException>(() => VecDot.Dot(GgmlType.Q4_K, new byte[144], new byte[34]));
        Assert.Equal(LoomErrorCode.NotSupported, Assert.Throws<LoomException>(() => VecDot.ActivationType(GgmlType.Q2_K)).Code);
        Assert.Throws<LoomException>(() => VecDot.Q8_0Q8_0(new BlockQ8_0[2], new BlockQ8_0[1]));
    }
}
