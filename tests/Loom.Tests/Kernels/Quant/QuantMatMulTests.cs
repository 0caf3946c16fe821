using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class QuantMatMulTests
{
    public static readonly TheoryData<GgmlType> AllWeightTypes =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
         GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

    private static bool IsFloat(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    [Theory]
    [MemberData(nameof(AllWeightTypes))]
    public void MatMulMatchesFloatProductsOfTheDequantizedOperands(GgmlType type)
    {
        // n = 6: rows 0–3 go through the four-row kernels, 4–5 through the single-row ones.
        const int rows = 37, n = 6;
        int cols = IsFloat(type) ? 300 : 512; // float rows need not be a multiple of 32: exercises the scalar tail
        byte[] weights = DequantizeTests.RandomRow(type, rows * cols, 8 + (int)type);
        var random = new Random(8);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        float[] wq = new float[rows * cols];
        Dequantize.Row(type, weights, wq);

        var y = new float[n * rows];
        QuantMatMul.MatMul(type, weights, rows, cols, x, n, y);

        for (int i = 0; i < n; i++)
            for (int r = 0; r < rows; r++)
            {
                double exact = 0, magnitude = 0;
                for (int c = 0; c < cols; c++)
                {
                    exact += (double)wq[r * cols + c] * x[i * cols + c];
                    magnitude += Math.Abs((double)wq[r * cols + c] * x[i * cols + c]);
                }
                // Float weights: only float32 rounding. Quantized: the activations' int8 rounding, ~1 % at most.
                double tolerance = (IsFloat(type) ? 1e-5 : 0.01) * magnitude;
                Assert.InRange(y[i * rows + r], exact - tolerance, exact + tolerance);
            }

        foreach (int i in new[] { 1, 5 })
        {
            var single = new float[rows];
            QuantMatMul.MatVec(type, weights, rows, cols, x.AsSpan(i * cols, cols), single);
            Assert.Equal(y.AsSpan(i * rows, rows).ToArray(), single);
        }
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void BatchedHalfRowsWalkedInColumnPanelsEqualSingleRowDots(GgmlType type)
    {
        // 2,085 columns: three column panels of the batched kernel (1,024 + 1,024 + 32) and a 5-column scalar tail.
        const int rows = 20, cols = 2085, n = 4;
        byte[] weights = DequantizeTests.RandomRow(type, rows * cols, 11);
        var random = new Random(12);
        var x = new float[n * cols];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        var y = new float[n * rows];
        QuantMatMul.MatMul(type, weights, rows, cols, x, n, y);
        for (int i = 0; i < n; i++)
        {
            var single = new float[rows];
            QuantMatMul.MatVec(type, weights, rows, cols, x.AsSpan(i * cols, cols), single);
            Assert.Equal(single, y.AsSpan(i * rows, rows).ToArray());
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.F16)]
    public void ResultsDoNotDependOnTheThreadCount(GgmlType type)
    {
        const int rows = 300, cols = 256, n = 5;
        byte[] weights = DequantizeTests.RandomRow(type, rows * cols, 2);
        var random = new Random(3);
        var x = new float[n * cols];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() - 0.5f;
        var one = new float[n * rows];
        var two = new float[n * rows];
        using (KernelOptions.UseThreadsOnThisThread(1)) QuantMatMul.MatMul(type, weights, rows, cols, x, n, one);
        using (KernelOptions.UseThreadsOnThisThread(2)) QuantMatMul.MatMul(type, weights, rows, cols, x, n, two);
        Assert.Equal(one, two);
    }

    [Fact]
    public void HalfWideningIsExactForEveryBitPattern()
    {
        var lanes = new uint[16];
        for (int i = 0; i < 65536; i += 16)
        {
            for (int k = 0; k < 16; k++) lanes[k] = (uint)(i + k);
            var wide = FloatRowDot.HalfBitsToSingle(Vector512.Create<uint>(lanes));
            var narrow = FloatRowDot.HalfBitsToSingle(Vector256.Create<uint>(lanes.AsSpan(8)));
            for (int k = 0; k < 16; k++)
            {
                float expected = BitConverter.UInt16BitsToHalf((ushort)(i + k)) is var h ? (float)h : 0;
                float actual = k < 8 ? wide[k] : narrow[k - 8];
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual) && float.IsNaN(wide[k]));
                else
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(wide[k]));
                }
            }
        }
    }

    [Fact]
    public void F16InfinityAndNaNWeightsPropagate()
    {
        var w = new Half[64];
        w[40] = Half.PositiveInfinity;
        var x = new float[64];
        Array.Fill(x, 1f);
        var y = new float[1];
        QuantMatMul.MatVec(GgmlType.F16, MemoryMarshal.AsBytes(w.AsSpan()), 1, 64, x, y);
        Assert.Equal(float.PositiveInfinity, y[0]);
        w[3] = Half.NaN;
        QuantMatMul.MatVec(GgmlType.F16, MemoryMarshal.AsBytes(w.AsSpan()), 1, 64, x, y);
        Assert.True(float.IsNaN(y[0]));
    }

    [Fact]
    public void WrongSizesAndTypesAreRejected()
    {
        var weights = new byte[2 * 34];
        Assert.Contains("2 Q8_0 rows of 32 take 68 bytes, found 34",
            Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights[..34], 2, 32, new float[32], new float[2])).Message);
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights, 2, 32, new float[31], new float[2]));
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights, 2, 32, new float[32], new float[3]));
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.F16, new byte[126], 2, 32, new float[32], new float[2]));
        Assert.Equal(LoomErrorCode.NotSupported,
            Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q2_K, new byte[84], 1, 256, new float[256], new float[1])).Code);
    }
}
