namespace Loom.Kernels;

/// <summary>
/// How <see cref="GemmSharedJob"/> splits one multi-threaded product. One operand is packed once into a buffer all
/// threads read (the smaller one: A when m &lt; n, else B), in super-panels of at most <see cref="SharedCapFloats"/>
/// so it stays in L3; the other dimension is cut into many small compute items that threads claim one at a time, each
/// packing its own slice of the other operand. Nothing is packed twice (except A or B once per super-panel when the
/// shared one is larger than the cap), and a thread that is descheduled mid-call delays only the item it holds — the
/// other thread takes the rest — where a fixed split of C into one rectangle per thread waits for the whole rectangle.
/// Only C's split depends on the thread count; K's blocking is <see cref="GemmBlocking.Kc"/>, as on one thread.
/// </summary>
internal readonly struct GemmSharedPlan
{
    /// <summary>Largest shared packed panel: 8 MB, a quarter of the L3, so it stays there beside A, B and C's lines in use.</summary>
    public const int DefaultSharedCapFloats = 2 << 20;

    // Compute items per thread: enough that a late or preempted thread leaves little for the other to wait on, few
    // enough that each item's share of the shared panel (streamed from L3 once per item) stays cheap.
    private const int ItemsPerThread = 8;
    private const int MinItemSlivers = 2;
    // Pack items per thread for the shared panel.
    private const int PackItemsPerThread = 4;

    /// <summary>Columns of B one compute item packs at a time when A is shared: a kc×256 block (512 KB) stays in L2.</summary>
    public const int ItemBlockColumns = 256;

    public GemmSharedPlan(int m, int n, int k, int mr, int nr, int threads, int sharedCapFloats = DefaultSharedCapFloats)
    {
        M = m;
        N = n;
        K = k;
        Mr = mr;
        Nr = nr;
        ShareA = m < n;
        Kc = GemmBlocking.Kc(k);
        KBlocks = (k + Kc - 1) / Kc;
        SharedCapFloats = sharedCapFloats;

        int sharedTile = ShareA ? mr : nr, otherTile = ShareA ? nr : mr;
        int shared = ShareA ? m : n, other = ShareA ? n : m;
        int capLines = Math.Max(sharedTile, (int)Math.Min(int.MaxValue, (long)sharedCapFloats / k) / sharedTile * sharedTile);
        int superPanels = (shared + capLines - 1) / capLines;
        SharedWidth = GemmBlocking.RoundUp((shared + superPanels - 1) / superPanels, sharedTile);

        int otherSlivers = (other + otherTile - 1) / otherTile;
        int itemSlivers = Math.Max(MinItemSlivers, (otherSlivers + ItemsPerThread * threads - 1) / (ItemsPerThread * threads));
        ItemWidth = itemSlivers * otherTile;
        ComputeItems = (other + ItemWidth - 1) / ItemWidth;
        PackItemsTarget = PackItemsPerThread * threads;
    }

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public int Mr { get; }
    public int Nr { get; }

    /// <summary>True: A is packed once and items split N. False: B is packed once and items split M.</summary>
    public bool ShareA { get; }

    public int Kc { get; }
    public int KBlocks { get; }
    public int SharedCapFloats { get; }

    /// <summary>Rows of A (ShareA) or columns of B per shared super-panel: a multiple of mr or nr.</summary>
    public int SharedWidth { get; }

    /// <summary>Columns (ShareA) or rows of C per compute item: a multiple of nr or mr.</summary>
    public int ItemWidth { get; }

    public int ComputeItems { get; }

    private int PackItemsTarget { get; }

    /// <summary>Extent of the shared dimension: m when A is shared, n when B is.</summary>
    public int SharedExtent => ShareA ? M : N;

    /// <summary>Extent of the dimension items split: n when A is shared, m when B is.</summary>
    public int ItemExtent => ShareA ? N : M;

    public int SharedTile => ShareA ? Mr : Nr;

    /// <summary>Floats of the packed super-panel for <paramref name="lines"/> rows/columns: every K block, slivers padded to the tile.</summary>
    public nint SharedFloats(int lines) => (nint)K * GemmBlocking.RoundUp(lines, SharedTile);

    /// <summary>Slivers per pack item for a super-panel of <paramref name="lines"/>: K blocks × sliver groups ≈ the target item count.</summary>
    public int PackGroupSlivers(int lines)
    {
        int slivers = (lines + SharedTile - 1) / SharedTile;
        int groupsPerBlock = Math.Clamp((PackItemsTarget + KBlocks - 1) / KBlocks, 1, slivers);
        return (slivers + groupsPerBlock - 1) / groupsPerBlock;
    }

    public int PackItems(int lines)
    {
        int slivers = (lines + SharedTile - 1) / SharedTile;
        int group = PackGroupSlivers(lines);
        return KBlocks * ((slivers + group - 1) / group);
    }
}
