using Loom.Kernels.Quant;

namespace Loom.Kernels;

/// <summary>
/// y = x·Wᵀ for a weight matrix W stored row-major (rows × columns) in any ggml type, x n × columns, y n × rows:
/// the float32 GEMM whose B operand is packed by dequantizing W's rows straight into the kc×nr panels the
/// micro-kernels stream (F16/BF16 widened, block types through <see cref="Dequantize.Row"/> on the blocks a K block
/// covers). No float copy of W is ever made; each weight is dequantized once per rectangle of C.
/// Same blocking, micro-kernels and thread split as <see cref="Gemm.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>,
/// so the result is bit-identical to Gemm.Multiply(x, dequantized W, transB: true) and to itself for any thread count.
/// Activations stay float32 (unlike <see cref="QuantMatMul"/>, which rounds them to int8 as ggml does): the batched
/// prompt path, where packing W once pays for many rows of x.
/// </summary>
public static unsafe class DequantizedGemm
{
    // As in Gemm: below ~64³ multiply-adds a second thread costs more than it saves.
    private const long ParallelThreshold = 64L * 64 * 64;

    public static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y) =>
        MultiplyTransposed(type, weights, rows, columns, x, n, y, GemmKernels.Best, KernelOptions.Threads);

    /// <summary>The same product with the micro-kernel and thread count chosen by the caller (tests, benchmarks).</summary>
    internal static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns,
        ReadOnlySpan<float> x, int n, Span<float> y, GemmKernelKind kernel, int threads)
    {
        long rowBytes = WeightProductChecks.Check("dequantized gemm", type, GgmlTypeTraits.BlockSize(type), weights.Length, rows, columns, x.Length, n, y.Length);
        if (WeightProductChecks.IsEmpty(rows, columns, n, y)) return;
        if ((long)n * rows * columns < ParallelThreshold) threads = 1;
        fixed (byte* pw = weights)
        fixed (float* px = x, py = y)
        {
            var op = new GemmOperands(px, null, py, n, rows, columns, transA: false, transB: true, accumulate: false);
            DequantizedGemmJob.Run(op, new DequantizedWeights(type, pw, rowBytes), kernel, threads);
        }
    }
}

/// <summary>Where B's rows live and how to widen them: W row r is rowBytes bytes at Data + r·rowBytes.</summary>
internal readonly unsafe struct DequantizedWeights(GgmlType type, byte* data, long rowBytes)
{
    public readonly GgmlType Type = type;
    public readonly byte* Data = data;
    public readonly long RowBytes = rowBytes;
    public readonly int BlockSize = GgmlTypeTraits.BlockSize(type);
    public readonly int TypeSize = GgmlTypeTraits.TypeSize(type);
}
