using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels;

/// <summary>
/// Copies blocks of A and B into the layouts the micro-kernels stream through, absorbing the transposes:
/// A (rows × kb) becomes slivers of mr rows stored k-major (sliver[p·mr + i]); B (kb × cols) becomes slivers of nr
/// columns stored k-major (sliver[p·nr + j]). Slivers at an edge are padded with zeros, so kernels always run full
/// tiles and the padding contributes exact zeros.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[row0 .. row0+rows, p0 .. p0+kb) into mr-row slivers at dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(in GemmOperands op, int row0, int rows, int p0, int kb, int mr, float* dst)
    {
        for (int s = 0; s < rows; s += mr)
        {
            int valid = Math.Min(mr, rows - s);
            float* sliver = dst + (nint)s * kb;
            if (op.TransA)
            {
                // A is stored k×m: the mr values of one k step are contiguous.
                float* src = op.A + (nint)p0 * op.M + row0 + s;
                for (int p = 0; p < kb; p++, src += op.M, sliver += mr)
                {
                    int i = 0;
                    for (; i < valid; i++) sliver[i] = src[i];
                    for (; i < mr; i++) sliver[i] = 0f;
                }
            }
            else
            {
                // A is stored m×k: read each row contiguously, write it with stride mr.
                for (int i = 0; i < valid; i++)
                {
                    float* src = op.A + (nint)(row0 + s + i) * op.K + p0;
                    float* d = sliver + i;
                    for (int p = 0; p < kb; p++) d[(nint)p * mr] = src[p];
                }
                for (int i = valid; i < mr; i++)
                for (int p = 0; p < kb; p++) sliver[(nint)p * mr + i] = 0f;
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kb, col0 .. col0+cols) into nr-column slivers at dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(in GemmOperands op, int p0, int kb, int col0, int cols, int nr, float* dst)
    {
        for (int t = 0; t < cols; t += nr)
        {
            int valid = Math.Min(nr, cols - t);
            float* sliver = dst + (nint)t * kb;
            if (op.TransB)
            {
                // B is stored n×k: read each column of op(B) contiguously, write it with stride nr.
                for (int j = 0; j < valid; j++)
                {
                    float* src = op.B + (nint)(col0 + t + j) * op.K + p0;
                    float* d = sliver + j;
                    for (int p = 0; p < kb; p++) d[(nint)p * nr] = src[p];
                }
                for (int j = valid; j < nr; j++)
                for (int p = 0; p < kb; p++) sliver[(nint)p * nr + j] = 0f;
            }
            else
            {
                // B is stored k×n: the nr values of one k step are contiguous.
                float* src = op.B + (nint)p0 * op.N + col0 + t;
                if (valid == nr)
                {
                    for (int p = 0; p < kb; p++, src += op.N, sliver += nr)
                    for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), sliver + j);
                }
                else
                {
                    for (int p = 0; p < kb; p++, src += op.N, sliver += nr)
                    {
                        int j = 0;
                        for (; j < valid; j++) sliver[j] = src[j];
                        for (; j < nr; j++) sliver[j] = 0f;
                    }
                }
            }
        }
    }
}
