using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Y = X·Wᵀ for Q4_0 weights W (rows × columns, ggml layout) with the activations quantized to int8 as ggml's CPU
/// matmul does (each row once, Q8_0 blocks of 32, <see cref="QuantizeActivations.Q8_0"/>'s bits) and integer dot
/// products per block: the batched prompt path of Q4_0 files, where <see cref="DequantizedGemm"/>'s float GEMM is
/// bound by float FMA throughput and integer multiply-adds do four per weight lane of one FMA. Per output and block:
/// Σ (q_w − 8)·q_a exactly, then acc = fma(Σ, d_w·d_a, acc) in K order (<see cref="QuantGemmReference"/> is that
/// loop). Packing, blocking and threads: <see cref="QuantGemmJob"/>; each output's bits depend on neither the thread
/// count nor the other rows of X. The arithmetic of <see cref="QuantMatMul"/> (int8 activations) summed in another
/// order, so within float rounding of it, not bit-identical.
/// </summary>
public static unsafe class QuantGemm
{
    // As in DequantizedGemm: below ~64³ multiply-adds a second thread costs more than it saves.
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>Weight types this GEMM multiplies.</summary>
    public static bool Supports(GgmlType type) => type == GgmlType.Q4_0;

    /// <summary>True when this CPU has the vector kernel measured faster than <see cref="DequantizedGemm"/> (AVX-512BW).</summary>
    public static bool IsAccelerated => QuantGemmKernelAvx512.IsSupported;

    /// <summary>The micro-kernel this CPU runs, for benchmark reports.</summary>
    public static string KernelName => $"{Best.ToString().ToLowerInvariant()} {QuantGemmLayout.Mr}x{QuantGemmLayout.Nr}";

    internal static GemmKernelKind Best { get; } =
        QuantGemmKernelAvx512.IsSupported ? GemmKernelKind.Avx512 : QuantGemmKernelAvx2.IsSupported ? GemmKernelKind.Avx2 : GemmKernelKind.Portable;

    internal static bool IsSupported(GemmKernelKind kind) => kind switch
    {
        GemmKernelKind.Avx512 => QuantGemmKernelAvx512.IsSupported,
        GemmKernelKind.Avx2 => QuantGemmKernelAvx2.IsSupported,
        _ => true,
    };

    public static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y) =>
        MultiplyTransposed(type, weights, rows, columns, x, n, y, Best, KernelOptions.Threads);

    /// <summary>The same product with the micro-kernel and thread count chosen by the caller (tests, benchmarks).</summary>
    internal static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y, GemmKernelKind kernel, int threads)
    {
        if (!Supports(type))
            throw new LoomException(LoomErrorCode.NotSupported, $"quant gemm: weight type {type} is not supported; supported: Q4_0");
        if (rows < 0 || columns < 0 || n < 0)
            throw LoomException.Argument($"quant gemm: dimensions must be non-negative, found rows={rows} columns={columns} n={n}");
        if (columns % QuantGemmLayout.BlockSize != 0)
            throw LoomException.Shape("quant gemm", $"{type} rows need a multiple of {QuantGemmLayout.BlockSize} columns, found {columns}");
        long rowBytes = GgmlTypeTraits.RowBytes(type, columns);
        if (weights.Length < rowBytes * rows)
            throw LoomException.Shape("quant gemm", $"{type} weights need {rowBytes * rows} bytes ({rows}×{columns}), found {weights.Length}");
        if (x.Length < (long)n * columns) throw LoomException.Shape("quant gemm", $"x needs {(long)n * columns} elements (n={n}, columns={columns}), found {x.Length}");
        if (y.Length < (long)n * rows) throw LoomException.Shape("quant gemm", $"y needs {(long)n * rows} elements (n={n}, rows={rows}), found {y.Length}");
        if (n == 0 || rows == 0) return;
        if (columns == 0)
        {
            y[..(n * rows)].Clear();
            return;
        }
        if ((long)n * rows * columns < ParallelThreshold) threads = 1;
        fixed (byte* pw = weights)
        fixed (float* px = x, py = y)
            QuantGemmJob.Run(pw, rowBytes, rows, columns, px, n, py, kernel, threads);
    }
}
