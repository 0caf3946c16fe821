using System.Runtime.InteropServices;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

/// <summary>Decode's four-row kernels (<see cref="VecDot.Rows4"/>) must give the bits of four single-row dots, and
/// stay within rounding of the plain reference dot, for every block count (0, 1, primes) and every weight type.</summary>
public class VecDotRows4Tests
{
    [Theory]
    [MemberData(nameof(VecDotTests.WeightTypes), MemberType = typeof(VecDotTests))]
    public unsafe void Four_rows_give_the_single_row_bits_and_match_the_reference(GgmlType type)
    {
        GgmlType aType = VecDot.ActivationType(type);
        int blockSize = GgmlTypeTraits.BlockSize(type);
        foreach (int blocks in new[] { 0, 1, 2, 3, 7, 13 })
        {
            int n = blocks * blockSize;
            int rowBytes = (int)GgmlTypeTraits.RowBytes(type, n);
            // Four rows back to back, as in a matrix, then room for the kernel's prefetch to point past them.
            var w = new byte[4 * rowBytes];
            for (int k = 0; k < 4 && n > 0; k++)
                DequantizeTests.RandomRow(type, n, 97 * blocks + k).CopyTo(w, k * rowBytes);
            var random = new Random(blocks);
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = random.NextSingle() * 2 - 1;
            byte[] a = VecDotTests.QuantizeActivations(aType, x);
            var result = new float[4];
            fixed (byte* wp = w, ap = a)
            fixed (float* rp = result)
            {
                VecDot.Rows4(type, wp, rowBytes, ap, blocks, rp);
                for (int k = 0; k < 4; k++)
                {
                    float single = VecDot.Dot(type, wp + k * rowBytes, ap, blocks);
                    Assert.True(BitConverter.SingleToInt32Bits(single) == BitConverter.SingleToInt32Bits(result[k]),
                        $"{type}, {blocks} blocks, row {k}: four-row {result[k]:R} vs single {single:R}");
                    if (blocks == 0) continue;
                    float reference = VecDotTests.Reference(type, w.AsSpan(k * rowBytes, rowBytes).ToArray(), a);
                    float tolerance = 1e-5f * Magnitude(type, w.AsSpan(k * rowBytes, rowBytes), aType, a, n) + 1e-6f;
                    Assert.InRange(result[k], reference - tolerance, reference + tolerance);
                }
            }
        }
    }

    /// <summary>The K-quant four-row kernels add pairs of products in 16 bits: at the extremes (every quant and scale
    /// at its largest, Q6_K's scales at −128 and 127, activations at ±127) the sums must still be exact.</summary>
    [Theory]
    [InlineData(GgmlType.Q4_K, 0xFF, 1f)]
    [InlineData(GgmlType.Q4_K, 0xFF, -1f)]
    [InlineData(GgmlType.Q4_K, 0x00, 1f)]
    [InlineData(GgmlType.Q6_K, 0xFF, 1f)]
    [InlineData(GgmlType.Q6_K, 0xFF, -1f)]
    [InlineData(GgmlType.Q6_K, 0x80, 1f)]
    [InlineData(GgmlType.Q6_K, 0x00, -1f)]
    public unsafe void Four_rows_at_the_extremes_of_quants_scales_and_activations_are_exact(GgmlType type, int fill, float sign)
    {
        const int blocks = 3, n = blocks * 256;
        int rowBytes = (int)GgmlTypeTraits.RowBytes(type, n), typeSize = rowBytes / blocks;
        var w = new byte[4 * rowBytes];
        w.AsSpan().Fill((byte)fill);
        for (int b = 0; b < 4 * blocks; b++)
        {
            // Finite half-precision factors; Q6_K's scales are all 127 in row 1, −128 in row 2 (whatever the fill).
            var block = w.AsSpan(b * typeSize, typeSize);
            if (type == GgmlType.Q4_K)
            {
                BitConverter.TryWriteBytes(block, (Half)0.5f);
                BitConverter.TryWriteBytes(block[2..], (Half)0.25f);
            }
            else
            {
                BitConverter.TryWriteBytes(block[208..], (Half)0.5f);
                if (b / blocks == 1) block[192..208].Fill(127);
                if (b / blocks == 2) block[192..208].Fill(0x80);
            }
        }
        // Every activation quant at ±127 (runs of 16 signed +, +, −), so the 16-bit pair sums meet their largest values.
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i / 16 % 3 == 2 ? -sign : sign) * (1 + (i % 7 == 0 ? 0 : 1e-3f));
        byte[] a = VecDotTests.QuantizeActivations(GgmlType.Q8_K, x);
        var result = new float[4];
        fixed (byte* wp = w, ap = a)
        fixed (float* rp = result)
        {
            VecDot.Rows4(type, wp, rowBytes, ap, blocks, rp);
            for (int k = 0; k < 4; k++)
            {
                float single = VecDot.Dot(type, wp + k * rowBytes, ap, blocks);
                Assert.Equal(BitConverter.SingleToInt32Bits(single), BitConverter.SingleToInt32Bits(result[k]));
                float reference = VecDotTests.Reference(type, w.AsSpan(k * rowBytes, rowBytes).ToArray(), a);
                float tolerance = 1e-5f * Magnitude(type, w.AsSpan(k * rowBytes, rowBytes), GgmlType.Q8_K, a, n) + 1e-6f;
                Assert.InRange(result[k], reference - tolerance, reference + tolerance);
            }
        }
    }

    /// <summary>Rows further apart than their length (a row stride with a gap) take the stride, not the length.</summary>
    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    public unsafe void Four_rows_with_a_gap_between_them_give_the_single_row_bits(GgmlType type)
    {
        const int cols = 512;
        int length = (int)GgmlTypeTraits.RowBytes(type, cols), stride = length + 37;
        int blocks = cols / GgmlTypeTraits.BlockSize(type);
        var w = new byte[4 * stride];
        for (int k = 0; k < 4; k++) DequantizeTests.RandomRow(type, cols, 11 * k + 3).CopyTo(w, k * stride);
        var random = new Random(7);
        var x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = random.NextSingle() * 2 - 1;
        byte[] a = VecDotTests.QuantizeActivations(VecDot.ActivationType(type), x);
        var result = new float[4];
        fixed (byte* wp = w, ap = a)
        fixed (float* rp = result)
        {
            VecDot.Rows4(type, wp, stride, ap, blocks, rp);
            for (int k = 0; k < 4; k++)
                Assert.Equal(BitConverter.SingleToInt32Bits(VecDot.Dot(type, wp + k * stride, ap, blocks)), BitConverter.SingleToInt32Bits(result[k]));
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q8_0)]
    public void Decode_mat_vec_with_row_counts_around_four_matches_separate_dots(GgmlType type)
    {
        const int cols = 256 * 3; // three K-quant blocks, 24 legacy blocks
        foreach (int rows in new[] { 1, 3, 4, 5, 7, 8, 13, 61 })
        {
            var w = new byte[GgmlTypeTraits.RowBytes(type, cols) * rows];
            int rowBytes = (int)GgmlTypeTraits.RowBytes(type, cols);
            for (int r = 0; r < rows; r++) DequantizeTests.RandomRow(type, cols, 5 * r + rows).CopyTo(w, r * rowBytes);
            var random = new Random(rows);
            var x = new float[cols];
            for (int i = 0; i < cols; i++) x[i] = random.NextSingle() * 4 - 2;
            byte[] a = DecodeActivations(VecDot.ActivationType(type), x);
            var y = new float[rows];
            foreach (int threads in new[] { 1, 2 })
            {
                using var scope = KernelOptions.UseThreadsOnThisThread(threads);
                QuantMatVecGroup.MatVec(x, new MatVecPart(type, w, rows, y));
                for (int r = 0; r < rows; r++)
                    Assert.Equal(VecDot.Dot(type, w.AsSpan(r * rowBytes, rowBytes), a), y[r]);
            }
        }
    }

    // The input quantized as the decode mat-vec does it (ggml's x86 Q8_0 rounding, not the file-making one).
    private static byte[] DecodeActivations(GgmlType activationType, float[] x)
    {
        var bytes = new byte[GgmlTypeTraits.RowBytes(activationType, x.Length)];
        if (activationType == GgmlType.Q8_0) QuantizeActivations.Q8_0(x, bytes);
        else if (activationType == GgmlType.Q8_1) QuantizeActivations.Q8_1(x, bytes);
        else QuantizeQ8_K.Row(x, bytes);
        return bytes;
    }

    private static float Magnitude(GgmlType type, ReadOnlySpan<byte> w, GgmlType aType, byte[] a, int n)
    {
        var wf = new float[n];
        var af = new float[n];
        DequantizeReference.Row(type, w, wf);
        DequantizeReference.Row(aType, a, af);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Abs((double)wf[i] * af[i]);
        return (float)sum;
    }
}
