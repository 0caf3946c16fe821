namespace Loom.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: one Mr×Nr tile of C from packed operands. The driver is generic over the
/// kernel type (a struct), so the JIT compiles one specialised copy per kernel with Mr/Nr as constants and the
/// call inlined or direct — no virtual dispatch in the loops.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of C per tile (rows of the packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of C per tile (columns of the packed B sliver); always a multiple of 8.</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// c[i·ldc + j] (+)= Σ_p a[p·Mr + i] · b[p·Nr + j] for i &lt; Mr, j &lt; Nr, p &lt; kc, summing p in order with one
    /// fused multiply-add per term (so every element's result is independent of where its tile lies).
    /// Overwrites c when <paramref name="accumulate"/> is false (never reads it, so NaN there does not leak).
    /// </summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate);

    /// <summary>The same for only the first <paramref name="rows"/> (1 ≤ rows &lt; Mr) rows of the tile, all Nr columns.</summary>
    static abstract unsafe void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, bool accumulate);
}
