using System.Runtime.InteropServices;
using Loom.Kernels.Quant;

namespace Loom.Kernels;

/// <summary>
/// <see cref="GemmDriver{TKernel}"/>'s loop nest with B packed from quantized rows: for each nc panel and kc block,
/// each nr-row strip of W has the blocks covering [pc, pc+kb) dequantized row by row into scratch, then transposed
/// into the k-major sliver by the GEMM's own packing copy. Identical panels to packing a float copy of W, so the
/// micro-kernel sums in the same order.
/// </summary>
internal static unsafe class DequantizedGemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    // Dequantized rows of one strip: nr rows of one K block plus the partial blocks at its two ends.
    [ThreadStatic] private static float* t_rows;
    [ThreadStatic] private static nint t_rowsLength;

    public static void MultiplyRect(in GemmOperands op, in DequantizedWeights w, int row0, int row1, int col0, int col1, GemmScratch scratch)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int kcMax = GemmBlocking.Kc(op.K);
        int mcMax = GemmBlocking.Mc(mr);
        int ncMax = GemmBlocking.Nc(nr);
        float* packA = scratch.PackA((nint)mcMax * kcMax);
        float* packB = scratch.PackB((nint)Math.Min(ncMax, GemmBlocking.RoundUp(col1 - col0, nr)) * kcMax);
        float* tile = scratch.Tile((nint)mr * nr);
        float* rows = RowScratch((nint)nr * (kcMax + 2 * w.BlockSize));

        for (int jc = col0; jc < col1; jc += ncMax)
        {
            int nb = Math.Min(ncMax, col1 - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kb = Math.Min(kcMax, op.K - pc);
                bool accumulate = op.Accumulate || pc > 0;
                PackB(w, pc, kb, jc, nb, nr, rows, packB);
                for (int ic = row0; ic < row1; ic += mcMax)
                {
                    int mb = Math.Min(mcMax, row1 - ic);
                    GemmPacking.PackA(op, ic, mb, pc, kb, mr, packA);
                    GemmDriver<TKernel>.MacroKernel(op, ic, mb, jc, nb, kb, packA, packB, tile, accumulate);
                }
            }
        }
    }

    /// <summary>Packs Wᵀ[p0 .. p0+kb, col0 .. col0+cols) (W rows col0.., columns p0..) into nr-column slivers at dst.</summary>
    private static void PackB(in DequantizedWeights w, int p0, int kb, int col0, int cols, int nr, float* rows, float* dst)
    {
        int firstBlock = p0 / w.BlockSize;
        int blocks = (p0 + kb + w.BlockSize - 1) / w.BlockSize - firstBlock;
        int ld = blocks * w.BlockSize;
        int skip = p0 - firstBlock * w.BlockSize;
        for (int t = 0; t < cols; t += nr)
        {
            int valid = Math.Min(nr, cols - t);
            for (int i = 0; i < valid; i++)
            {
                byte* src = w.Data + (col0 + t + i) * w.RowBytes + (long)firstBlock * w.TypeSize;
                Dequantize.Row(w.Type, new ReadOnlySpan<byte>(src, blocks * w.TypeSize), new Span<float>(rows + (nint)i * ld, ld));
            }
            GemmPacking.CopyTransposed(rows + skip, ld, valid, nr, kb, dst + (nint)t * kb);
        }
    }

    private static float* RowScratch(nint floats)
    {
        if (floats <= t_rowsLength) return t_rows;
        NativeMemory.AlignedFree(t_rows);
        t_rows = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        t_rowsLength = floats;
        return t_rows;
    }
}
