using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Y = X·Wᵀ for Q4_0 or Q8_0 weights W (rows × columns, ggml layout) with the activations quantized to int8 as
/// ggml's CPU matmul does (each row once, Q8_0 blocks of 32, <see cref="QuantizeActivations.Q8_0"/>'s bits) and
/// integer dot products per block: the batched prompt path of such files, where <see cref="DequantizedGemm"/>'s float
/// GEMM is bound by float FMA throughput and integer multiply-adds do two to four per lane of one FMA. Per output and
/// block: Σ w·q_a exactly (w = q − 8 for Q4_0, q for Q8_0), then acc = fma(Σ, d_w·d_a, acc) in K order
/// (<see cref="QuantGemmReference"/> is that loop). Packing, blocking and threads: <see cref="QuantGemmJob"/>; each output's bits depend on neither the thread
/// count nor the other rows of X. The arithmetic of <see cref="QuantMatMul"/> (int8 activations) summed in another
/// order, so within float rounding of it, not bit-identical.
/// </summary>
public static unsafe class QuantGemm
{
    // As in DequantizedGemm: below ~64³ multiply-adds a second thread costs more than it saves.
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>Weight types this GEMM multiplies.</summary>
    public static bool Supports(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q8_0;

    /// <summary>
    /// True when this CPU has a vector kernel for <paramref name="type"/> measured faster than
    /// <see cref="DequantizedGemm"/>: Q4_0 with AVX-512BW; Q8_0 with AVX-VNNI.
    /// </summary>
    public static bool IsAccelerated(GgmlType type) => type switch
    {
        GgmlType.Q4_0 => QuantGemmKernelAvx512.IsSupported,
        GgmlType.Q8_0 => QuantGemmKernelVnni.IsSupported,
        _ => false,
    };

    /// <summary>The micro-kernel this CPU runs for <paramref name="type"/>, for benchmark reports.</summary>
    public static string KernelName(GgmlType type) =>
        $"{(type == GgmlType.Q8_0 && BestFor(type) == GemmKernelKind.Avx2 ? "avx-vnni" : BestFor(type).ToString().ToLowerInvariant())} {QuantGemmLayout.Mr}x{QuantGemmLayout.Nr}";

    /// <summary>The fastest kernel this CPU runs for <paramref name="type"/>. Q8_0's 256-bit VNNI kernel goes by Avx2.</summary>
    internal static GemmKernelKind BestFor(GgmlType type) =>
        IsSupported(GemmKernelKind.Avx512, type) ? GemmKernelKind.Avx512 : IsSupported(GemmKernelKind.Avx2, type) ? GemmKernelKind.Avx2 : GemmKernelKind.Portable;

    /// <summary>Whether <paramref name="kind"/> runs <paramref name="type"/> here. Q4_0: AVX-512BW / AVX2 (vpmaddubsw,
    /// whose 16-bit sums hold 4-bit weights); Q8_0: AVX-VNNI as "Avx2" (its bytes would saturate vpmaddubsw).</summary>
    internal static bool IsSupported(GemmKernelKind kind, GgmlType type) => kind switch
    {
        GemmKernelKind.Avx512 => type == GgmlType.Q4_0 && QuantGemmKernelAvx512.IsSupported,
        GemmKernelKind.Avx2 => type == GgmlType.Q4_0 ? QuantGemmKernelAvx2.IsSupported : QuantGemmKernelVnni.IsSupported,
        _ => true,
    };

    public static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y) =>
        MultiplyTransposed(type, weights, rows, columns, x, n, y, Supports(type) ? BestFor(type) : GemmKernelKind.Portable, KernelOptions.Threads);

    /// <summary>The same product with the micro-kernel and thread count chosen by the caller (tests, benchmarks).</summary>
    internal static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y, GemmKernelKind kernel, int threads)
    {
        if (!Supports(type))
            throw new LoomException(LoomErrorCode.NotSupported, $"quant gemm: weight type {type} is not supported; supported: Q4_0, Q8_0");
        if (!IsSupported(kernel, type))
            throw LoomException.Argument($"quant gemm: the {kernel} kernel does not run {type} on this CPU");
        long rowBytes = WeightProductChecks.Check("quant gemm", type, QuantGemmLayout.BlockSize, weights.Length, rows, columns, x.Length, n, y.Length);
        if (WeightProductChecks.IsEmpty(rows, columns, n, y)) return;
        if ((long)n * rows * columns < ParallelThreshold) threads = 1;
        fixed (byte* pw = weights)
        fixed (float* px = x, py = y)
            QuantGemmJob.Run(type, pw, rowBytes, rows, columns, px, n, py, kernel, threads);
    }
}
