namespace Loom.Kernels;

/// <summary>
/// How <see cref="GemmSharedJob"/> splits one multi-threaded product. One operand is packed once into a buffer all
/// threads read (the smaller one: A when m &lt; n, else B), in super-panels of at most <see cref="SharedCapFloats"/>
/// so it stays in L3; the other dimension is cut into compute items that threads claim one at a time, each packing its
/// own slice of the other operand. Items shrink as the work left does (guided scheduling): the first are one cache
/// block of the item's own operand, so each shared sliver streamed from L3 is reused as often as on one thread; the
/// last are small, so neither thread waits long for the other at the end. Nothing is packed twice (except A or B
/// once per super-panel when the shared one is larger than the cap), and a thread that is descheduled mid-call delays only the item it holds — the
/// other thread takes the rest — where a fixed split of C into one rectangle per thread waits for the whole rectangle.
/// Only C's split depends on the thread count; K's blocking is <see cref="GemmBlocking.Kc"/>, as on one thread.
/// </summary>
internal readonly struct GemmSharedPlan
{
    /// <summary>Largest shared packed panel: 8 MB, a quarter of the L3, so it stays there beside A, B and C's lines in use.</summary>
    public const int DefaultSharedCapFloats = 2 << 20;

    // An item covers at most (work left) ÷ (GuidedDivisor × threads) slivers: a thread that claims the last large item
    // while the other is mid-item leaves it at most about half an item's wait. Never fewer than MinItemSlivers, so the
    // shared panel streamed once per item stays cheap.
    private const int GuidedDivisor = 2;
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

        _otherSlivers = (other + otherTile - 1) / otherTile;
        _threads = threads;
        // The largest item: one mc block of A's rows (B shared), or one ItemBlockColumns block of B (A shared).
        _maxItemSlivers = ShareA ? Math.Max(1, ItemBlockColumns / nr) : Math.Max(1, GemmBlocking.Mc(mr) / mr);
        int items = 0;
        for (int done = 0; done < _otherSlivers; items++) done += ItemSlivers(_otherSlivers - done);
        ComputeItems = items;
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

    public int ComputeItems { get; }

    private readonly int _otherSlivers, _threads, _maxItemSlivers;

    /// <summary>Slivers of the next item when <paramref name="remaining"/> slivers are left.</summary>
    private int ItemSlivers(int remaining) =>
        Math.Min(remaining, Math.Clamp((remaining + GuidedDivisor * _threads - 1) / (GuidedDivisor * _threads), Math.Min(MinItemSlivers, _maxItemSlivers), _maxItemSlivers));

    /// <summary>
    /// Columns (A shared) or rows (B shared) [First, Last) of C that compute item <paramref name="index"/> covers: whole
    /// slivers, consecutive items adjacent. Walks the items before it (a few dozen at most), so nothing is allocated.
    /// </summary>
    public (int First, int Last) ItemRange(int index)
    {
        int tile = ShareA ? Nr : Mr, done = 0;
        for (int i = 0; i < index; i++) done += ItemSlivers(_otherSlivers - done);
        int size = ItemSlivers(_otherSlivers - done);
        return (done * tile, Math.Min(ItemExtent, (done + size) * tile));
    }

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
