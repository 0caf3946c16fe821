namespace Loom.Kernels;

/// <summary>
/// float32 matrix multiply, the engine's workhorse. Same contract as <see cref="GemmReference"/>:
/// row-major contiguous operands, A stored m×k (k×m when transA), B stored k×n (n×k when transB), C m×n;
/// C = op(A)·op(B), or C += op(A)·op(B) when accumulate. C must not overlap A or B.
/// Packed panels, cache blocking and an AVX-512 / AVX2 / portable micro-kernel chosen at run time; C is split over up
/// to <see cref="KernelOptions.Threads"/> threads (large products: one operand packed once for all threads, the other
/// dimension in small items claimed dynamically — <see cref="GemmSharedPlan"/>), K never, so the result is
/// bit-identical for any thread count. A single row (m = 1) or column (n = 1) goes to <see cref="MatVec"/>, which streams the
/// matrix once instead of packing it.
/// </summary>
public static class Gemm
{
    // Below ~64³ multiply-adds the pool's wake-up costs more than a second thread saves.
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>
    /// Frees the calling thread's packing buffers (~2.5 MB once it has multiplied a large matrix; a later call
    /// allocates them again). For a caller whose large multiplications are over for a while, e.g. an LLM session
    /// moving from its prompt to token-by-token decoding, which uses no GEMM. Worker threads keep their own.
    /// </summary>
    public static void ReleaseThreadScratch() => GemmScratch.ReleaseCurrentThread();

    /// <summary>Bytes of packing buffers the calling thread holds now.</summary>
    public static long ThreadScratchBytes => GemmScratch.CurrentThreadBytes;

    /// <summary>The micro-kernel this CPU runs, e.g. "avx512 12x32", for benchmark reports.</summary>
    public static string KernelName
    {
        get
        {
            var (mr, nr) = GemmKernels.TileOf(GemmKernels.Best);
            return $"{GemmKernels.Best.ToString().ToLowerInvariant()} {mr}x{nr}";
        }
    }

    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false) =>
        Multiply(a, b, c, m, n, k, transA, transB, accumulate, GemmKernels.Best, KernelOptions.Threads);

    /// <summary>The same product with the micro-kernel and thread count chosen by the caller (tests, benchmarks).</summary>
    internal static unsafe void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA, bool transB, bool accumulate, GemmKernelKind kernel, int threads)
    {
        Validate(a.Length, b.Length, c.Length, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        if (m == 1)
        {
            // op(A) is one contiguous row of k either way.
            if (transB) MatVec.Multiply(b, a, c, n, k, accumulate, threads);
            else MatVec.MultiplyTransposed(b, a, c, k, n, accumulate, threads);
            return;
        }
        if (n == 1)
        {
            // op(B) is one contiguous column of k either way.
            if (transA) MatVec.MultiplyTransposed(a, b, c, k, m, accumulate, threads);
            else MatVec.Multiply(a, b, c, m, k, accumulate, threads);
            return;
        }
        if ((long)m * n * k < ParallelThreshold) threads = 1;
        fixed (float* pa = a, pb = b, pc = c)
        {
            GemmJob.Run(new GemmOperands(pa, pb, pc, m, n, k, transA, transB, accumulate), kernel, threads);
        }
    }

    internal static void Validate(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw Core.LoomException.Argument($"gemm: dimensions must be non-negative, found m={m} n={n} k={k}");
        if (aLength < (long)m * k) throw Core.LoomException.Shape("gemm", $"A needs {(long)m * k} elements (m={m}, k={k}), found {aLength}");
        if (bLength < (long)k * n) throw Core.LoomException.Shape("gemm", $"B needs {(long)k * n} elements (k={k}, n={n}), found {bLength}");
        if (cLength < (long)m * n) throw Core.LoomException.Shape("gemm", $"C needs {(long)m * n} elements (m={m}, n={n}), found {cLength}");
    }
}
