using Loom.Kernels;
using Loom.Kernels.Quant;
using Loom.Tests.Kernels.Quant;

namespace Loom.Tests.Kernels;

/// <summary>
/// DequantizedGemm against dequantize-then-multiply: within the float dot-product bound of GemmReference, and
/// bit-identical to Gemm.Multiply on the dequantized matrix (same panels, same kernel order) for every kernel and
/// thread count. Column counts cross a K block boundary that falls inside a quant block (partial blocks at both
/// ends of a K block) and leave ragged edge tiles in both directions.
/// </summary>
public class DequantizedGemmTests
{
    public static readonly TheoryData<GgmlType> Types =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
         GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

    [Theory]
    [MemberData(nameof(Types))]
    public void Matches_dequantize_then_multiply_for_every_kernel_and_thread_count(GgmlType type)
    {
        int blockSize = GgmlTypeTraits.BlockSize(type);
        // 544 = 17·32 splits into K blocks of 272 (inside a 32-block); 768 = 3·256 into 384 (inside a 256-block).
        int[] columnCounts = blockSize == 1 ? [37, 531] : blockSize == 32 ? [96, 544] : [256, 768];
        foreach (int columns in columnCounts)
        foreach (var (n, rows) in new[] { (2, 5), (37, 45), (13, 70) })
        {
            byte[] weights = DequantizeTests.RandomRow(type, rows * columns, rows * 1000 + columns + (int)type);
            var w = new float[rows * columns];
            Dequantize.Row(type, weights, w);
            float[] x = GemmTestData.Gaussian(n * columns, (ulong)(n + columns));
            var expected = new float[n * rows];
            var magnitude = new float[n * rows];
            GemmReference.Multiply(x, w, expected, n, rows, columns, transB: true);
            GemmReference.Multiply(GemmTestData.Abs(x), GemmTestData.Abs(w), magnitude, n, rows, columns, transB: true);
            foreach (var kernel in GemmKernels.Supported())
            {
                var viaFloat = new float[n * rows];
                Gemm.Multiply(x, w, viaFloat, n, rows, columns, transA: false, transB: true, accumulate: false, kernel, threads: 1);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    string label = $"{type} n={n} rows={rows} columns={columns} {kernel} threads={threads}";
                    var actual = new float[n * rows];
                    actual.AsSpan().Fill(float.NaN); // every element must be written
                    DequantizedGemm.MultiplyTransposed(type, weights, rows, columns, x, n, actual, kernel, threads);
                    GemmTestData.AssertWithinDotBound(expected, actual, magnitude, columns, label);
                    if (n > 1) GemmTestData.AssertBitIdentical(viaFloat, actual, label);
                }
            }
        }
    }

    [Fact]
    public void Rejects_short_operands_and_partial_blocks()
    {
        byte[] weights = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q8_0, 64) * 3];
        var x = new float[2 * 64];
        var y = new float[2 * 3];
        Assert.Throws<Loom.Core.LoomException>(() => DequantizedGemm.MultiplyTransposed(GgmlType.Q8_0, weights, 4, 64, x, 2, y));
        Assert.Throws<Loom.Core.LoomException>(() => DequantizedGemm.MultiplyTransposed(GgmlType.Q8_0, weights, 3, 64, x, 3, y));
        Assert.Throws<Loom.Core.LoomException>(() => DequantizedGemm.MultiplyTransposed(GgmlType.Q8_0, weights, 3, 48, x, 2, y));
        DequantizedGemm.MultiplyTransposed(GgmlType.Q8_0, weights, 3, 64, x, 2, y);
        Assert.All(y, v => Assert.Equal(0f, v));
    }
}
