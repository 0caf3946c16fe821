using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

/// <summary>
/// QuantGemm (Q4_0 / Q8_0 weights × int8-quantized activations) against its plain twin QuantGemmReference bit for bit, for
/// every kernel this CPU runs and 1–3 threads, over odd sizes: single and ragged activation rows (strips of 4),
/// weight rows that leave partial slivers and items, and K that spans several packed K runs (16 blocks) with a
/// partial one. The reference itself is checked against double-precision products of the dequantized operands.
/// </summary>
public class QuantGemmTests
{
    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    public void Matches_the_reference_bit_for_bit_for_every_kernel_and_thread_count(GgmlType type)
    {
        foreach (int columns in new[] { 32, 96, 544, 1024 })
        foreach (var (n, rows) in new[] { (1, 45), (3, 97), (16, 64), (17, 33), (100, 70) })
        {
            if (columns == 1024 && n == 100) continue; // the portable kernel on 7M multiply-adds: covered by 544
            byte[] weights = DequantizeTests.RandomRow(type, rows * columns, rows * 1000 + columns);
            float[] x = GemmTestData.Gaussian(n * columns, (ulong)(n * 7 + columns));
            var expected = new float[n * rows];
            QuantGemmReference.MultiplyTransposed(type, weights, rows, columns, x, n, expected);
            foreach (var kernel in Enum.GetValues<GemmKernelKind>().Where(k => QuantGemm.IsSupported(k, type)))
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var actual = new float[n * rows];
                actual.AsSpan().Fill(float.NaN); // every element must be written
                QuantGemm.MultiplyTransposed(type, weights, rows, columns, x, n, actual, kernel, threads);
                GemmTestData.AssertBitIdentical(expected, actual, $"{type} n={n} rows={rows} columns={columns} {kernel} threads={threads}");
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    public void Large_products_split_over_threads_match_one_thread(GgmlType type)
    {
        const int n = 100, rows = 300, columns = 1024;
        byte[] weights = DequantizeTests.RandomRow(type, rows * columns, 5);
        float[] x = GemmTestData.Gaussian(n * columns, 6);
        var one = new float[n * rows];
        var two = new float[n * rows];
        QuantGemm.MultiplyTransposed(type, weights, rows, columns, x, n, one, QuantGemm.BestFor(type), threads: 1);
        QuantGemm.MultiplyTransposed(type, weights, rows, columns, x, n, two, QuantGemm.BestFor(type), threads: 2);
        GemmTestData.AssertBitIdentical(one, two, "1 vs 2 threads");
        // Row i does not depend on the other rows: the last 17 rows alone give the same bits.
        var tail = new float[17 * rows];
        QuantGemm.MultiplyTransposed(type, weights, rows, columns, x.AsSpan((n - 17) * columns), 17, tail);
        GemmTestData.AssertBitIdentical(one[((n - 17) * rows)..], tail, "last 17 rows alone");
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    public void Reference_is_the_dot_product_of_the_dequantized_operands(GgmlType type)
    {
        const int n = 3, rows = 7, columns = 256;
        byte[] weights = DequantizeTests.RandomRow(type, rows * columns, 11);
        float[] x = GemmTestData.Gaussian(n * columns, 12);
        var y = new float[n * rows];
        QuantGemmReference.MultiplyTransposed(type, weights, rows, columns, x, n, y);
        var w = new float[rows * columns];
        Dequantize.Row(type, weights, w);
        var a = new float[columns];
        var blocks = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q8_0, columns)];
        for (int i = 0; i < n; i++)
        {
            QuantizeActivations.Q8_0(x.AsSpan(i * columns, columns), blocks);
            Dequantize.Row(GgmlType.Q8_0, blocks, a);
            for (int r = 0; r < rows; r++)
            {
                double exact = 0, magnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    exact += (double)w[r * columns + c] * a[c];
                    magnitude += Math.Abs((double)w[r * columns + c] * a[c]);
                }
                Assert.True(Math.Abs(y[i * rows + r] - exact) <= 1e-6 * magnitude + 1e-6, $"row {i} column {r}: {y[i * rows + r]} vs {exact}");
            }
        }
        // ...and so within float rounding of the int8 mat-vec (QuantMatMul), which sums the same integers in another order.
        var viaMatVec = new float[n * rows];
        QuantMatMul.MatMul(type, weights, rows, columns, x, n, viaMatVec);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - viaMatVec[i]) <= 1e-4f * Math.Max(1f, Math.Abs(y[i])), $"element {i}: {y[i]} vs {viaMatVec[i]}");
    }

    [Fact]
    public unsafe void Activation_strips_hold_ggml_q8_0_blocks()
    {
        const int blocks = 3;
        float[] x = GemmTestData.Gaussian(blocks * 32, 21);
        // Ties: x·127/max|x| lands on .5 for these, which round to even.
        x[0] = 1f;
        x[1] = 0.5f / 127f;
        x[2] = 1.5f / 127f;
        x[3] = -2.5f / 127f;
        x.AsSpan(32, 32).Clear(); // an all-zero block: scale 0, quants 0
        var expected = new BlockQ8_0[blocks];
        QuantizeActivations.Q8_0(x, expected);
        var strip = new byte[blocks * QuantGemmLayout.ABlockBytes];
        const int slot = 2;
        fixed (float* px = x)
        fixed (byte* ps = strip)
            QuantGemmActivations.Row(px, blocks, 8, ps, slot);
        for (int b = 0; b < blocks; b++)
        {
            var block = strip.AsSpan(b * QuantGemmLayout.ABlockBytes, QuantGemmLayout.ABlockBytes);
            int sum = 0;
            for (int j = 0; j < 32; j++)
            {
                sbyte q = (sbyte)block[slot * 32 + j];
                Assert.Equal(expected[b].Qs[j], q);
                sum += q;
            }
            Assert.Equal((float)expected[b].D, MemoryMarshal.Cast<byte, float>(block[QuantGemmLayout.AScaleOffset..])[slot]);
            Assert.Equal(-8 * sum, MemoryMarshal.Cast<byte, int>(block[QuantGemmLayout.ABiasOffset..])[slot]);
        }
    }

    [Fact]
    public void Allocates_nothing_after_warm_up()
    {
        const int n = 20, rows = 96, columns = 512;
        byte[] weights = DequantizeTests.RandomRow(GgmlType.Q4_0, rows * columns, 3);
        float[] x = GemmTestData.Gaussian(n * columns, 4);
        var y = new float[n * rows];
        QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, rows, columns, x, n, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, rows, columns, x, n, y);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Rejects_other_types_short_operands_and_partial_blocks()
    {
        byte[] weights = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q4_0, 64) * 3];
        var x = new float[2 * 64];
        var y = new float[2 * 3];
        Assert.Throws<LoomException>(() => QuantGemm.MultiplyTransposed(GgmlType.Q4_K, weights, 1, 256, x, 2, y));
        Assert.Throws<LoomException>(() => QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, 4, 64, x, 2, y));
        Assert.Throws<LoomException>(() => QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, 3, 64, x, 3, y));
        Assert.Throws<LoomException>(() => QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, 3, 48, x, 2, y));
        QuantGemm.MultiplyTransposed(GgmlType.Q4_0, weights, 3, 64, x, 2, y);
        Assert.All(y, v => Assert.Equal(0f, v)); // zero weights (scale 0)
    }
}
