using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Tests.Inference;

/// <summary>The fused decode mat-vec (Q/K/V or gate/up in one pool job, the input quantized once per activation type)
/// must give the very bits of separate <see cref="QuantMatMul.MatVec"/> calls, on 1 and 2 threads.</summary>
public class QuantMatVecGroupTests
{
    private const int Cols = 512;

    private static byte[] Weights(GgmlType type, int rows, ulong seed)
    {
        var random = new LoomRandom(seed);
        var values = new float[rows * Cols];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextGaussian() * 0.1f;
        if (type == GgmlType.F16)
        {
            var half = new Half[values.Length];
            for (int i = 0; i < values.Length; i++) half[i] = (Half)values[i];
            return MemoryMarshal.AsBytes(half.AsSpan()).ToArray();
        }
        long rowBytes = GgmlTypeTraits.RowBytes(type, Cols);
        var bytes = new byte[rowBytes * rows];
        for (int r = 0; r < rows; r++)
            Quantize.Row(type, values.AsSpan(r * Cols, Cols), bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
        return bytes;
    }

    [Theory]
    [InlineData(GgmlType.Q4_K, GgmlType.Q4_K, GgmlType.Q6_K)] // Q4_K_M's Q, K and a Q6_K V: one Q8_K input shared
    [InlineData(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.F16)]  // Q8_0 input shared, F16 reads the floats
    [InlineData(GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q4_0)] // two activation types in one job
    public void Fused_outputs_match_separate_mat_vecs_bit_for_bit(GgmlType ta, GgmlType tb, GgmlType tc)
    {
        int[] rows = [300, 70, 129]; // chunk tails and a part smaller than one chunk
        GgmlType[] types = [ta, tb, tc];
        var weights = new byte[3][];
        var expected = new float[3][];
        var random = new LoomRandom(7);
        var x = new float[Cols];
        for (int i = 0; i < Cols; i++) x[i] = (float)random.NextGaussian();
        for (int p = 0; p < 3; p++)
        {
            weights[p] = Weights(types[p], rows[p], (ulong)(11 + p));
            expected[p] = new float[rows[p]];
            QuantMatMul.MatVec(types[p], weights[p], rows[p], Cols, x, expected[p]);
        }
        foreach (int threads in new[] { 1, 2 })
        {
            using var scope = KernelOptions.UseThreadsOnThisThread(threads);
            var y = new[] { new float[rows[0]], new float[rows[1]], new float[rows[2]] };
            QuantMatVecGroup.MatVec(x, new MatVecPart(ta, weights[0], rows[0], y[0]),
                new MatVecPart(tb, weights[1], rows[1], y[1]), new MatVecPart(tc, weights[2], rows[2], y[2]));
            for (int p = 0; p < 3; p++)
                Assert.True(expected[p].AsSpan().SequenceEqual(y[p]), $"{types[p]} part {p} differs on {threads} thread(s)");
            var single = new float[rows[1]];
            QuantMatVecGroup.MatVec(x, new MatVecPart(tb, weights[1], rows[1], single));
            Assert.True(expected[1].AsSpan().SequenceEqual(single), $"single {tb} part differs on {threads} thread(s)");
        }
    }

    [Fact]
    public void Wrong_sizes_and_F32_are_refused_naming_the_part()
    {
        var x = new float[Cols];
        var w = Weights(GgmlType.Q8_0, 4, 1);
        var e = Assert.Throws<LoomException>(() =>
            QuantMatVecGroup.MatVec(x, new MatVecPart(GgmlType.Q8_0, w, 4, new float[4]), new MatVecPart(GgmlType.Q8_0, w, 5, new float[5])));
        Assert.Contains("part 1", e.Message);
        e = Assert.Throws<LoomException>(() => QuantMatVecGroup.MatVec(x, new MatVecPart(GgmlType.Q8_0, w, 4, new float[3])));
        Assert.Contains("output", e.Message);
        e = Assert.Throws<LoomException>(() => QuantMatVecGroup.MatVec(x, new MatVecPart(GgmlType.F32, new byte[4 * Cols * 4], 4, new float[4])));
        Assert.Contains("F32", e.Message);
    }
}
