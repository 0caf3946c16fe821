using Loom.Kernels.Quant;

namespace Loom.Inference;

/// <summary>
/// Matrices that read the same input (Q, K, V; gate, up), multiplied together. For one token (decode) the input is
/// quantized once and all their rows go to the worker pool as one job (<see cref="QuantMatVecGroup"/>): one wake-up
/// and one join per group instead of per matrix. The outputs are the same bits as separate
/// <see cref="WeightMatrix.MatMul"/> calls, which batches (prefill) and F32 weights still take.
/// </summary>
internal static class DecodeMatVec
{
    public static void Multiply(ReadOnlySpan<float> x, int n, WeightMatrix a, Span<float> ya,
        WeightMatrix? b = null, Span<float> yb = default, WeightMatrix? c = null, Span<float> yc = default)
    {
        if (n == 1 && Fusable(a) && (b is null || Fusable(b)) && (c is null || Fusable(c)))
        {
            QuantMatVecGroup.MatVec(x[..a.Columns], Part(a, ya), Part(b, yb), Part(c, yc));
            return;
        }
        a.MatMul(x, n, ya);
        b?.MatMul(x, n, yb);
        c?.MatMul(x, n, yc);
    }

    private static bool Fusable(WeightMatrix w) => QuantMatVecGroup.Supports(w.Type);

    private static MatVecPart Part(WeightMatrix? w, Span<float> y) => w is null ? default : w.ToMatVecPart(y);
}
