using Loom.Core;
using Loom.Kernels;

namespace Loom.Tests.Kernels;

public class MatVecTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 0, 0 }, { 0, 5 }, { 5, 0 }, { 1, 1 }, { 7, 13 }, { 13, 7 }, { 31, 61 }, { 67, 31 },
        { 3, 15 }, { 3, 16 }, { 3, 17 }, { 5, 63 }, { 5, 64 }, { 5, 65 }, { 9, 129 }, { 129, 257 }, { 600, 500 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Both_forms_match_the_reference(int rows, int cols)
    {
        float[] w = GemmTestData.Gaussian(rows * cols, 11);
        foreach (bool transposed in new[] { false, true })
        {
            int inLength = transposed ? rows : cols, outLength = transposed ? cols : rows;
            float[] x = GemmTestData.Gaussian(inLength, 12), y0 = GemmTestData.Gaussian(outLength, 13);
            // y = W·x is the GEMM 1×rows = x(1×cols)·Wᵀ; y = x·W is 1×cols = x(1×rows)·W.
            var magnitude = new float[outLength];
            GemmReference.Multiply(GemmTestData.Abs(x), GemmTestData.Abs(w), magnitude, 1, outLength, inLength, transB: !transposed);
            foreach (bool accumulate in new[] { false, true })
            {
                float[] expected = (float[])y0.Clone();
                GemmReference.Multiply(x, w, expected, 1, outLength, inLength, transB: !transposed, accumulate: accumulate);
                float[] bound = accumulate ? magnitude.Select((v, i) => v + Math.Abs(y0[i])).ToArray() : magnitude;
                foreach (int threads in new[] { 1, 2 })
                {
                    float[] actual = (float[])y0.Clone();
                    if (transposed) MatVec.MultiplyTransposed(w, x, actual, rows, cols, accumulate, threads);
                    else MatVec.Multiply(w, x, actual, rows, cols, accumulate, threads);
                    GemmTestData.AssertWithinDotBound(expected, actual, bound, inLength,
                        $"{rows}x{cols} transposed={transposed} accumulate={accumulate} threads={threads}");
                }
            }
        }
    }

    [Theory]
    [InlineData(300, 1000)]
    [InlineData(1000, 333)]
    public void Thread_count_never_changes_a_bit(int rows, int cols)
    {
        // Large enough (≥ 2^18 weights) that the parallel path really runs.
        float[] w = GemmTestData.Gaussian(rows * cols, 14);
        foreach (bool transposed in new[] { false, true })
        {
            float[] x = GemmTestData.Gaussian(transposed ? rows : cols, 15);
            int outLength = transposed ? cols : rows;
            float[] single = new float[outLength];
            Run(w, x, single, rows, cols, transposed, threads: 1);
            foreach (int threads in new[] { 2, 3 })
            {
                float[] parallel = new float[outLength];
                Run(w, x, parallel, rows, cols, transposed, threads);
                GemmTestData.AssertBitIdentical(single, parallel, $"{rows}x{cols} transposed={transposed} threads={threads}");
            }
        }
    }

    [Fact]
    public void Row_results_do_not_depend_on_memory_alignment()
    {
        // The same weights and input one float further into their arrays: every 64-byte alignment offset changes.
        const int rows = 17, cols = 203;
        float[] w = GemmTestData.Gaussian(rows * cols, 16), x = GemmTestData.Gaussian(cols, 17);
        float[] expected = new float[rows];
        MatVec.Multiply(w, x, expected, rows, cols);
        for (int shift = 1; shift < 16; shift++)
        {
            float[] shiftedW = new float[rows * cols + shift], shiftedX = new float[cols + shift];
            w.CopyTo(shiftedW, shift);
            x.CopyTo(shiftedX, shift);
            float[] actual = new float[rows];
            MatVec.Multiply(shiftedW.AsSpan(shift), shiftedX.AsSpan(shift), actual, rows, cols);
            GemmTestData.AssertBitIdentical(expected, actual, $"shift {shift}");
        }
    }

    [Fact]
    public void Overwrite_ignores_nan_already_in_y()
    {
        float[] w = GemmTestData.Gaussian(6 * 40, 18), x = GemmTestData.Gaussian(40, 19);
        float[] y = [float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN];
        MatVec.Multiply(w, x, y, 6, 40);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        float[] yt = Enumerable.Repeat(float.NaN, 40).ToArray();
        MatVec.MultiplyTransposed(w, GemmTestData.Gaussian(6, 20), yt, 6, 40);
        Assert.All(yt, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Gemm_with_one_row_gives_the_matvec_bits()
    {
        const int n = 37, k = 53;
        float[] x = GemmTestData.Gaussian(k, 21), w = GemmTestData.Gaussian(n * k, 22);
        float[] viaGemm = new float[n], viaMatVec = new float[n];
        Gemm.Multiply(x, w, viaGemm, 1, n, k, transB: true);
        MatVec.Multiply(w, x, viaMatVec, n, k);
        GemmTestData.AssertBitIdentical(viaMatVec, viaGemm, "x·Wᵀ");
    }

    [Theory]
    [InlineData(3, 4, 11, 4, 3, "weights need 12")]
    [InlineData(3, 4, 12, 3, 3, "x needs 4")]
    [InlineData(3, 4, 12, 4, 2, "y needs 3")]
    public void Short_spans_throw_a_shape_error_naming_the_op_and_sizes(int rows, int cols, int wLength, int xLength, int yLength, string detail)
    {
        var e = Assert.Throws<LoomException>(() => MatVec.Multiply(new float[wLength], new float[xLength], new float[yLength], rows, cols));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.StartsWith("matvec:", e.Message);
        Assert.Contains(detail, e.Message);
        Assert.Contains($"rows={rows}, cols={cols}", e.Message);
    }

    private static void Run(float[] w, float[] x, float[] y, int rows, int cols, bool transposed, int threads)
    {
        if (transposed) MatVec.MultiplyTransposed(w, x, y, rows, cols, false, threads);
        else MatVec.Multiply(w, x, y, rows, cols, false, threads);
    }
}
