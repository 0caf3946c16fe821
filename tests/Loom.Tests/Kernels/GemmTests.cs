using Loom.Core;
using Loom.Kernels;

namespace Loom.Tests.Kernels;

public class GemmTests
{
    // (m, n, k): empty, single, primes, non-multiples of every vector width and tile, more than one K block (k > 512),
    // more than one A block (m > 240), more than one B panel (n > 1024), and single rows/columns (the MatVec routes).
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 0, 0, 0 }, { 0, 5, 3 }, { 4, 0, 3 }, { 3, 4, 0 },
        { 1, 1, 1 }, { 1, 7, 13 }, { 13, 1, 7 }, { 2, 2, 2 },
        { 7, 7, 7 }, { 13, 13, 13 }, { 31, 31, 31 }, { 61, 67, 13 }, { 67, 61, 31 },
        { 12, 32, 16 }, { 24, 64, 9 }, { 11, 33, 17 }, { 25, 47, 300 },
        { 129, 257, 200 }, { 250, 19, 520 }, { 13, 4100, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_for_every_transpose_accumulate_kernel_and_thread_count(int m, int n, int k)
    {
        float[] a = GemmTestData.Gaussian(m * k, 1), b = GemmTestData.Gaussian(k * n, 2), c0 = GemmTestData.Gaussian(m * n, 3);
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            // Σ|a||b| per element bounds the rounding error of any summation order.
            var magnitude = new float[m * n];
            GemmReference.Multiply(GemmTestData.Abs(a), GemmTestData.Abs(b), magnitude, m, n, k, transA, transB);
            var product = new float[m * n];
            GemmReference.Multiply(a, b, product, m, n, k, transA, transB);
            foreach (bool accumulate in new[] { false, true })
            {
                // GemmReference's accumulate is exactly c₀ + (float)Σ, so the product serves both cases.
                float[] expected = accumulate ? product.Select((v, i) => c0[i] + v).ToArray() : product;
                float[] bound = accumulate ? magnitude.Select((v, i) => v + Math.Abs(c0[i])).ToArray() : magnitude;
                foreach (var kernel in GemmKernels.Supported())
                foreach (int threads in new[] { 1, 2 })
                {
                    float[] actual = (float[])c0.Clone();
                    Gemm.Multiply(a, b, actual, m, n, k, transA, transB, accumulate, kernel, threads);
                    GemmTestData.AssertWithinDotBound(expected, actual, bound, k,
                        $"{m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate} {kernel} threads={threads}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTestData.SupportedKernels), MemberType = typeof(GemmTestData))]
    public void Thread_count_never_changes_a_bit(string kernelName)
    {
        var kernel = GemmTestData.Kernel(kernelName);
        // Square, skinny (split along N), tall (split along M), odd tile remainders, several K blocks.
        foreach (var (m, n, k) in new[] { (96, 96, 300), (16, 1000, 70), (700, 24, 50), (61, 67, 257) })
        foreach (bool transB in new[] { false, true })
        {
            float[] a = GemmTestData.Gaussian(m * k, 4), b = GemmTestData.Gaussian(k * n, 5);
            float[] single = new float[m * n];
            Gemm.Multiply(a, b, single, m, n, k, false, transB, false, kernel, threads: 1);
            foreach (int threads in new[] { 2, 3 })
            {
                float[] parallel = new float[m * n];
                Gemm.Multiply(a, b, parallel, m, n, k, false, transB, false, kernel, threads);
                GemmTestData.AssertBitIdentical(single, parallel, $"{kernel} {m}x{n}x{k} transB={transB} threads={threads}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmTestData.SupportedKernels), MemberType = typeof(GemmTestData))]
    public void Overwrite_ignores_nan_already_in_c(string kernelName)
    {
        const int m = 29, n = 45, k = 11;
        float[] a = GemmTestData.Gaussian(m * k, 6), b = GemmTestData.Gaussian(k * n, 7);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Gemm.Multiply(a, b, c, m, n, k, false, false, false, GemmTestData.Kernel(kernelName), threads: 2);
        Assert.All(c, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Zero_depth_overwrites_with_zeros_or_leaves_c_when_accumulating()
    {
        float[] c = [1f, 2f, 3f, 4f];
        Gemm.Multiply([], [], c, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2f, 3f, 4f], c);
        Gemm.Multiply([], [], c, 2, 2, 0);
        Assert.Equal([0f, 0f, 0f, 0f], c);
    }

    [Fact]
    public void Public_entry_point_uses_the_default_kernel_and_threads()
    {
        const int m = 70, n = 90, k = 80;
        float[] a = GemmTestData.Gaussian(m * k, 8), b = GemmTestData.Gaussian(k * n, 9);
        float[] expected = new float[m * n], actual = new float[m * n];
        Gemm.Multiply(a, b, expected, m, n, k, false, false, false, GemmKernels.Best, KernelOptions.Threads);
        Gemm.Multiply(a, b, actual, m, n, k);
        GemmTestData.AssertBitIdentical(expected, actual, "default entry point");
    }

    [Theory]
    [InlineData(5, 4, 3, 14, 12, 20, "A needs 15")]
    [InlineData(5, 4, 3, 15, 11, 20, "B needs 12")]
    [InlineData(5, 4, 3, 15, 12, 19, "C needs 20")]
    public void Short_spans_throw_a_shape_error_naming_gemm_and_sizes(int m, int n, int k, int aLength, int bLength, int cLength, string detail)
    {
        var e = Assert.Throws<LoomException>(() => Gemm.Multiply(new float[aLength], new float[bLength], new float[cLength], m, n, k));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.StartsWith("gemm:", e.Message);
        Assert.Contains(detail, e.Message);
        Assert.Matches(@"\d+ elements \([mk]=\d+, [kn]=\d+\), found \d+", e.Message);
    }

    [Fact]
    public void Negative_dimension_is_an_argument_error()
    {
        var e = Assert.Throws<LoomException>(() => Gemm.Multiply([], [], [], -1, 2, 2));
        Assert.Equal(LoomErrorCode.InvalidArgument, e.Code);
        Assert.Contains("m=-1", e.Message);
    }

    [Theory]
    [InlineData(64, 4096, 2, 1, 2)]   // skinny: split along N, A (64 rows) is the cheap side to duplicate
    [InlineData(4096, 64, 2, 2, 1)]   // tall: split along M
    [InlineData(1000, 1000, 4, 2, 2)] // square: a 2×2 grid packs less than 1×4
    [InlineData(12, 32, 2, 1, 1)]     // one tile: nothing to split
    public void Grid_splits_the_long_side_and_never_more_than_the_tiles(int m, int n, int threads, int down, int across)
    {
        Assert.Equal((down, across), GemmJob.ChooseGrid(m, n, threads, mr: 12, nr: 32));
    }
}
