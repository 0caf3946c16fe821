using System.Runtime.CompilerServices;

namespace Loom.Kernels;

/// <summary>
/// The blocked GEMM loop nest for one rectangle of C on one thread (the GotoBLAS/BLIS order):
/// for each nc-wide panel of B, for each kc-deep block of K: pack B; for each mc-high block of A: pack A, then run
/// the micro-kernel over every Mr×Nr tile. Each element of C is summed over K in the same order wherever its
/// rectangle or tile lies, so splitting C differently (other thread counts) gives bit-identical results.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    public static void MultiplyRect(in GemmOperands op, int row0, int row1, int col0, int col1, GemmScratch scratch)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int kcMax = GemmBlocking.Kc(op.K);
        int mcMax = GemmBlocking.Mc(mr);
        int ncMax = GemmBlocking.Nc(nr);
        float* packA = scratch.PackA((nint)mcMax * kcMax);
        float* packB = scratch.PackB((nint)Math.Min(ncMax, GemmBlocking.RoundUp(col1 - col0, nr)) * kcMax);
        float* tile = scratch.Tile((nint)mr * nr);

        for (int jc = col0; jc < col1; jc += ncMax)
        {
            int nb = Math.Min(ncMax, col1 - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kb = Math.Min(kcMax, op.K - pc);
                // The first K block overwrites C unless the caller asked to accumulate; later blocks add to it.
                bool accumulate = op.Accumulate || pc > 0;
                GemmPacking.PackB(op, pc, kb, jc, nb, nr, packB);
                for (int ic = row0; ic < row1; ic += mcMax)
                {
                    int mb = Math.Min(mcMax, row1 - ic);
                    GemmPacking.PackA(op, ic, mb, pc, kb, mr, packA);
                    MacroKernel(op, ic, mb, jc, nb, kb, packA, packB, tile, accumulate);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MacroKernel(in GemmOperands op, int ic, int mb, int jc, int nb, int kb,
        float* packA, float* packB, float* tile, bool accumulate)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        nint ldc = op.N;
        for (int jr = 0; jr < nb; jr += nr)
        {
            float* b = packB + (nint)jr * kb;
            int cols = Math.Min(nr, nb - jr);
            for (int ir = 0; ir < mb; ir += mr)
                RunTile(packA + (nint)ir * kb, b, op.C + (ic + ir) * ldc + jc + jr, ldc, Math.Min(mr, mb - ir), cols, kb, tile, accumulate);
        }
    }

    /// <summary>One tile of C (rows × cols of it valid) from an A sliver and a B sliver; edge tiles go through scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunTile(float* a, float* b, float* c, nint ldc, int rows, int cols, int kb, float* tile, bool accumulate)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        if (cols == nr)
        {
            if (rows == mr) TKernel.Run(kb, a, b, c, ldc, accumulate);
            else TKernel.RunRows(rows, kb, a, b, c, ldc, accumulate);
        }
        else
        {
            if (rows == mr) TKernel.Run(kb, a, b, tile, nr, accumulate: false);
            else TKernel.RunRows(rows, kb, a, b, tile, nr, accumulate: false);
            GemmEdgeTile.Store(tile, nr, c, ldc, rows, cols, accumulate);
        }
    }
}
