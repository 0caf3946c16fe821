namespace Loom.Kernels;

/// <summary>
/// Cache blocking for the packed GEMM (Zen 5: 48 KB L1d and 1 MB L2 per core, 32 MB shared L3).
/// kc: one packed kc×Nr sliver of B (32 KB for Nr = 32) stays in L1 while every Mr-row sliver of A streams past it.
/// mc: the packed mc×kc block of A (~half of L2) is reused across the whole nc-wide panel of B.
/// nc: the packed kc×nc panel of B (4 MB) lives in L3.
/// The K blocking depends only on k — never on the thread count — so each element's sum order is fixed.
/// </summary>
internal static class GemmBlocking
{
    public const int KcMax = 256;
    public const int McTarget = 480;
    public const int NcTarget = 4096;

    /// <summary>Depth of every K block but possibly the last: k split into equal blocks of at most <see cref="KcMax"/>.</summary>
    public static int Kc(int k)
    {
        int blocks = (k + KcMax - 1) / KcMax;
        int kc = (k + blocks - 1) / blocks;
        return Math.Min(KcMax, (kc + 7) & ~7);
    }

    /// <summary>Rows of A packed at once: a multiple of mr.</summary>
    public static int Mc(int mr) => Math.Max(mr, McTarget / mr * mr);

    /// <summary>Columns of B packed at once: a multiple of nr.</summary>
    public static int Nc(int nr) => Math.Max(nr, NcTarget / nr * nr);

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
