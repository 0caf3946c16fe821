using Loom.Kernels;

namespace Loom.Tests.Kernels;

/// <summary>
/// The multi-threaded path that packs one operand once for all threads (GemmSharedJob), forced at small sizes and
/// with a small shared-panel cap so several super-panels, K blocks, compute items and edge slivers all occur.
/// </summary>
public class GemmSharedJobTests
{
    // (m, n, k): A shared (m < n) and B shared (m ≥ n), odd edges on both tiles, more than one K block (k > 512),
    // more than one 256-column item block (A shared, n > 256), more than one mc block (A shared and m > 240; B shared with few threads).
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 13, 70, 9 }, { 40, 300, 530 }, { 250, 300, 20 }, { 70, 41, 33 }, { 500, 37, 20 }, { 97, 97, 600 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bit_identical_to_the_single_thread_driver_for_any_threads_cap_and_transpose(int m, int n, int k)
    {
        float[] a = GemmTestData.Gaussian(m * k, 11), b = GemmTestData.Gaussian(k * n, 12), c0 = GemmTestData.Gaussian(m * n, 13);
        foreach (var kernel in GemmKernels.Supported())
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            float[] expected = (float[])c0.Clone();
            Gemm.Multiply(a, b, expected, m, n, k, transA, transB, accumulate, kernel, threads: 1);
            foreach (int threads in new[] { 1, 2, 3 })
            foreach (int capFloats in new[] { 1, 40 * k, GemmSharedPlan.DefaultSharedCapFloats })
            {
                float[] actual = (float[])c0.Clone();
                RunShared(a, b, actual, m, n, k, transA, transB, accumulate, kernel, threads, capFloats);
                GemmTestData.AssertBitIdentical(expected, actual,
                    $"{m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate} {kernel} threads={threads} cap={capFloats}");
            }
        }
    }

    [Fact]
    public void Matches_the_reference_within_the_dot_product_bound()
    {
        const int m = 45, n = 77, k = 530;
        float[] a = GemmTestData.Gaussian(m * k, 14), b = GemmTestData.Gaussian(k * n, 15);
        float[] expected = new float[m * n], magnitude = new float[m * n], actual = new float[m * n];
        GemmReference.Multiply(a, b, expected, m, n, k, false, false);
        GemmReference.Multiply(GemmTestData.Abs(a), GemmTestData.Abs(b), magnitude, m, n, k, false, false);
        RunShared(a, b, actual, m, n, k, false, false, false, GemmKernels.Best, threads: 2, capFloats: 24 * k);
        GemmTestData.AssertWithinDotBound(expected, actual, magnitude, k, "shared path vs reference");
    }

    [Fact]
    public void Overwrite_ignores_nan_already_in_c()
    {
        const int m = 30, n = 50, k = 600;
        float[] a = GemmTestData.Gaussian(m * k, 16), b = GemmTestData.Gaussian(k * n, 17);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        RunShared(a, b, c, m, n, k, false, false, false, GemmKernels.Best, threads: 2, capFloats: 1);
        Assert.All(c, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(64, 4096, 4096, 2, true)]    // skinny: A (64 rows) is shared, items split N
    [InlineData(1024, 1024, 1024, 2, false)] // square: B shared, items split M (whole rows of C per item)
    [InlineData(4096, 64, 512, 2, false)]    // tall: B shared
    [InlineData(2048, 2048, 2048, 3, false)] // B over the cap: several super-panels
    public void Plan_shares_the_smaller_operand_and_covers_every_line_once(int m, int n, int k, int threads, bool shareA)
    {
        var plan = new GemmSharedPlan(m, n, k, mr: 12, nr: 32, threads);
        Assert.Equal(shareA, plan.ShareA);
        // Items tile the split dimension in whole slivers, adjacent and in order, several per thread for load balance;
        // they never grow (guided), none is wider than one cache block, and the last one is small.
        int otherTile = shareA ? 32 : 12;
        int maxWidth = shareA ? GemmSharedPlan.ItemBlockColumns : 240;
        int expectedStart = 0, previousWidth = int.MaxValue;
        for (int i = 0; i < plan.ComputeItems; i++)
        {
            var (first, last) = plan.ItemRange(i);
            Assert.Equal(expectedStart, first);
            Assert.Equal(0, first % otherTile);
            Assert.True(last > first && last - first <= maxWidth, $"item {i}: [{first}, {last})");
            if (last < plan.ItemExtent) Assert.True(last - first <= previousWidth, $"item {i} grew: {last - first} after {previousWidth}");
            previousWidth = last - first;
            expectedStart = last;
        }
        Assert.Equal(plan.ItemExtent, expectedStart);
        Assert.True(plan.ComputeItems >= 2 * threads, $"{plan.ComputeItems} items for {threads} threads");
        Assert.True(previousWidth <= 2 * otherTile, $"the last item is {previousWidth} wide, more than two slivers");
        // Super-panels cover the shared dimension and respect the cap.
        Assert.Equal(0, plan.SharedWidth % plan.SharedTile);
        Assert.True(plan.SharedFloats(Math.Min(plan.SharedWidth, plan.SharedExtent)) <= Math.Max(GemmSharedPlan.DefaultSharedCapFloats, (long)k * plan.SharedTile));
        // Pack items: every K block × sliver group exactly once.
        int lines = Math.Min(plan.SharedWidth, plan.SharedExtent);
        int slivers = (lines + plan.SharedTile - 1) / plan.SharedTile;
        int group = plan.PackGroupSlivers(lines);
        Assert.Equal(plan.KBlocks * ((slivers + group - 1) / group), plan.PackItems(lines));
    }

    private static unsafe void RunShared(float[] a, float[] b, float[] c, int m, int n, int k, bool transA, bool transB,
        bool accumulate, GemmKernelKind kernel, int threads, int capFloats)
    {
        fixed (float* pa = a, pb = b, pc = c)
            GemmSharedJob.Run(new GemmOperands(pa, pb, pc, m, n, k, transA, transB, accumulate), kernel, threads, capFloats);
    }
}
