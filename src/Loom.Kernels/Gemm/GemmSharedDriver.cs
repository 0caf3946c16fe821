namespace Loom.Kernels;

/// <summary>
/// The two kinds of work item of <see cref="GemmSharedJob"/> for one kernel. The shared super-panel holds every K
/// block of lines [s0, s1) of the shared operand: block p (depth kb, starting at k offset pc) at
/// shared + pc·padded, its slivers consecutive, sliver t at + t·tile·kb — the layout
/// <see cref="GemmDriver{TKernel}.MacroKernel"/> reads. Compute items sum each element's K blocks in order with the
/// same micro-kernel calls as <see cref="GemmDriver{TKernel}"/>, so every element gets the same bits.
/// </summary>
internal static unsafe class GemmSharedDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>Pack item <paramref name="index"/>: one group of slivers of one K block of the super-panel.</summary>
    public static void Pack(in GemmOperands op, in GemmSharedPlan plan, int s0, int s1, float* shared, int index)
    {
        int tile = plan.SharedTile, lines = s1 - s0;
        int group = plan.PackGroupSlivers(lines);
        int slivers = (lines + tile - 1) / tile;
        int groups = (slivers + group - 1) / group;
        int block = index / groups, g = index % groups;
        int pc = block * plan.Kc, kb = Math.Min(plan.Kc, op.K - pc);
        int first = g * group * tile;
        int count = Math.Min(lines, first + group * tile) - first;
        float* dst = shared + (nint)pc * GemmBlocking.RoundUp(lines, tile) + (nint)first * kb;
        if (plan.ShareA) GemmPacking.PackA(op, s0 + first, count, pc, kb, TKernel.Mr, dst);
        else GemmPacking.PackB(op, pc, kb, s0 + first, count, TKernel.Nr, dst);
    }

    /// <summary>Compute item <paramref name="index"/>: its columns (A shared) or rows (B shared) of C against the super-panel.</summary>
    public static void Compute(in GemmOperands op, in GemmSharedPlan plan, int s0, int s1, float* shared, int index, GemmScratch scratch)
    {
        var (first, last) = plan.ItemRange(index);
        nint padded = GemmBlocking.RoundUp(s1 - s0, plan.SharedTile);
        float* tile = scratch.Tile((nint)TKernel.Mr * TKernel.Nr);
        int mcMax = GemmBlocking.Mc(TKernel.Mr);
        if (plan.ShareA)
        {
            int blockCols = Math.Max(TKernel.Nr, GemmSharedPlan.ItemBlockColumns / TKernel.Nr * TKernel.Nr);
            float* packB = scratch.PackB((nint)Math.Min(blockCols, GemmBlocking.RoundUp(last - first, TKernel.Nr)) * plan.Kc);
            for (int jc = first; jc < last; jc += blockCols)
            {
                int nb = Math.Min(blockCols, last - jc);
                for (int pc = 0; pc < op.K; pc += plan.Kc)
                {
                    int kb = Math.Min(plan.Kc, op.K - pc);
                    GemmPacking.PackB(op, pc, kb, jc, nb, TKernel.Nr, packB);
                    bool accumulate = op.Accumulate || pc > 0;
                    // The old loop nest with A's packing already done: each mc block of the shared A stays in L2
                    // while the B block's slivers stream past it.
                    for (int ic = s0; ic < s1; ic += mcMax)
                        GemmDriver<TKernel>.MacroKernel(op, ic, Math.Min(mcMax, s1 - ic), jc, nb, kb, shared + pc * padded + (nint)(ic - s0) * kb,
                            packB, tile, accumulate);
                }
            }
        }
        else
        {
            float* packA = scratch.PackA((nint)Math.Min(mcMax, GemmBlocking.RoundUp(last - first, TKernel.Mr)) * plan.Kc);
            for (int ic = first; ic < last; ic += mcMax)
            {
                int mb = Math.Min(mcMax, last - ic);
                for (int pc = 0; pc < op.K; pc += plan.Kc)
                {
                    int kb = Math.Min(plan.Kc, op.K - pc);
                    GemmPacking.PackA(op, ic, mb, pc, kb, TKernel.Mr, packA);
                    GemmDriver<TKernel>.MacroKernel(op, ic, mb, s0, s1 - s0, kb, packA, shared + pc * padded, tile,
                        op.Accumulate || pc > 0);
                }
            }
        }
    }
}
