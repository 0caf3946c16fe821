using System.Runtime.CompilerServices;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>How a <see cref="BytePairEncoder"/> decides which adjacent pair of parts merges next.</summary>
public enum MergeRule
{
    /// <summary>tiktoken: the pair whose concatenated bytes form the token of lowest id (ids are ranks).</summary>
    ByRank,
    /// <summary>Hugging Face / a trained merge list: the pair listed earliest in the merge list.</summary>
    ByMergeList,
}

/// <summary>
/// The byte-pair merging core every BPE tokenizer shares. A piece (one pre-token, as UTF-8) starts as one part per
/// byte; the lowest-ranked adjacent pair merges, leftmost first among equals, until no pair can merge. Short pieces
/// use a flat array scan (fast for the few parts a word has); long pieces a heap, so a megabyte of one character
/// does not take quadratic time. Both orders pick the same pair at every step.
/// </summary>
public sealed class BytePairEncoder
{
    // Pieces up to this many bytes merge on the stack with an O(n²) scan; longer ones use the heap.
    private const int ShortPiece = 192;

    private readonly TokenBytesTable _tokens;
    private readonly int[] _byteIds = new int[256];
    private readonly PairMergeTable? _pairMerges; // null: merge by rank (tiktoken)
    private readonly List<(int Left, int Right)>? _mergeList;
    private List<(int Left, int Right)>? _derivedMerges; // ByRank: computed on first use (saving), then kept

    private BytePairEncoder(TokenBytesTable tokens, MergeRule rule, List<(int, int)>? merges, bool wholePieceFirst)
    {
        _tokens = tokens;
        Rule = rule;
        WholePieceFirst = wholePieceFirst;
        for (int b = 0; b < 256; b++) _byteIds[b] = tokens.Find([(byte)b]);
        if (merges is null) return;
        _mergeList = merges;
        _pairMerges = new PairMergeTable(merges.Count);
        Span<byte> both = stackalloc byte[512];
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!tokens.Contains(left) || !tokens.Contains(right))
                throw LoomException.Format("merges", $"merge {rank} ({left}, {right}) names an id with no token");
            ReadOnlySpan<byte> a = tokens.Get(left), b = tokens.Get(right);
            if (a.Length + b.Length > both.Length) both = new byte[a.Length + b.Length];
            a.CopyTo(both);
            b.CopyTo(both[a.Length..]);
            int merged = tokens.Find(both[..(a.Length + b.Length)]);
            if (merged < 0)
                throw LoomException.Format("merges", $"merge {rank} ({left}, {right}): the joined bytes are not a token");
            _pairMerges.TryAdd(left, right, rank, merged);
        }
    }

    /// <summary>tiktoken semantics: <paramref name="tokensByRank"/>[r] holds the bytes of the token of rank r (= id).</summary>
    public static BytePairEncoder FromRanks(IReadOnlyList<byte[]?> tokensByRank, string source) =>
        new(new TokenBytesTable(tokensByRank, source), MergeRule.ByRank, null, wholePieceFirst: true);

    /// <summary>
    /// Merge-list semantics (Hugging Face BPE, Loom's trainer). <paramref name="ignoreMerges"/> is Hugging Face's
    /// flag of that name: a piece that is itself a token encodes as that token without merging.
    /// </summary>
    public static BytePairEncoder FromMerges(IReadOnlyList<byte[]?> tokensById, IReadOnlyList<(int Left, int Right)> merges,
        bool ignoreMerges, string source) =>
        new(new TokenBytesTable(tokensById, source), MergeRule.ByMergeList, [.. merges], ignoreMerges);

    public MergeRule Rule { get; }

    /// <summary>Whether a piece that is a whole token skips merging (tiktoken always; Hugging Face's ignore_merges).</summary>
    public bool WholePieceFirst { get; }

    /// <summary>One more than the largest token id.</summary>
    public int IdCount => _tokens.Count;

    public bool Contains(int id) => _tokens.Contains(id);

    /// <summary>The bytes of token <paramref name="id"/> (empty for an unused id).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => _tokens.Get(id);

    /// <summary>The id of the token with exactly these bytes, or -1.</summary>
    public int FindToken(ReadOnlySpan<byte> bytes) => _tokens.Find(bytes);

    /// <summary>
    /// The merges in priority order. For <see cref="MergeRule.ByRank"/> they are derived: each multi-byte token,
    /// encoded with only lower ranks, splits into exactly two tokens (Hugging Face's tiktoken conversion).
    /// </summary>
    public IReadOnlyList<(int Left, int Right)> Merges => _mergeList ?? (_derivedMerges ??= DeriveMerges());

    /// <summary>Appends the ids of one piece (UTF-8 bytes of one pre-token).</summary>
    public void Encode(ReadOnlySpan<byte> piece, List<int> output)
    {
        int whole = TryWholePiece(piece);
        if (whole >= 0) output.Add(whole);
        else EncodeByMerging(piece, output);
    }

    /// <summary>The one token a piece encodes to without merging (a single byte, or a whole token where
    /// <see cref="WholePieceFirst"/>), else -1.</summary>
    public int TryWholePiece(ReadOnlySpan<byte> piece)
    {
        if (piece.Length == 1) return ByteId(piece[0]);
        return WholePieceFirst && piece.Length > 1 ? _tokens.Find(piece) : -1;
    }

    /// <summary>Appends the ids of a piece that <see cref="TryWholePiece"/> did not answer.</summary>
    public void EncodeByMerging(ReadOnlySpan<byte> piece, List<int> output)
    {
        if (piece.Length == 0) return;
        if (_pairMerges is null) Merge(piece, new RankLookup(_tokens, int.MaxValue), output);
        else Merge(piece, new PairLookup(_pairMerges), output);
    }

    private int ByteId(byte b)
    {
        int id = _byteIds[b];
        if (id < 0) throw LoomException.Argument($"BPE encode: byte 0x{b:X2} has no token in this vocabulary");
        return id;
    }

    private List<(int, int)> DeriveMerges()
    {
        var merges = new List<(int, int)>();
        var parts = new List<int>();
        for (int id = 0; id < _tokens.Count; id++)
        {
            var bytes = _tokens.Get(id);
            if (bytes.Length < 2) continue;
            parts.Clear();
            Merge(bytes, new RankLookup(_tokens, id), parts);
            if (parts.Count != 2)
                throw LoomException.Format("ranks",
                    $"token {id} does not split into two lower-ranked tokens ({parts.Count} parts); not a BPE vocabulary");
            merges.Add((parts[0], parts[1]));
        }
        return merges;
    }

    /// <summary>Answers "may these two adjacent parts merge, at what rank, into which id?".</summary>
    private interface IPairLookup
    {
        bool TryMerge(ReadOnlySpan<byte> piece, int start, int end, int left, int right, out int rank, out int merged);
    }

    /// <summary>tiktoken: the joined bytes must be a token below <c>limit</c>; its id is the rank.</summary>
    private readonly struct RankLookup(TokenBytesTable tokens, int limit) : IPairLookup
    {
        public bool TryMerge(ReadOnlySpan<byte> piece, int start, int end, int left, int right, out int rank, out int merged)
        {
            int id = tokens.Find(piece[start..end]);
            rank = merged = id;
            return id >= 0 && id < limit;
        }
    }

    private readonly struct PairLookup(PairMergeTable merges) : IPairLookup
    {
        public bool TryMerge(ReadOnlySpan<byte> piece, int start, int end, int left, int right, out int rank, out int merged) =>
            merges.TryGet(left, right, out rank, out merged);
    }

    private void Merge<T>(ReadOnlySpan<byte> piece, T lookup, List<int> output) where T : struct, IPairLookup
    {
        if (piece.Length <= ShortPiece) MergeShort(piece, lookup, output);
        else MergeLong(piece, lookup, output);
    }

    /// <summary>Parts in flat arrays; each step scans for the lowest rank and closes the gap with a block move.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MergeShort<T>(ReadOnlySpan<byte> piece, T lookup, List<int> output) where T : struct, IPairLookup
    {
        int n = piece.Length;
        Span<int> starts = stackalloc int[n + 1];
        Span<int> ids = stackalloc int[n];
        Span<int> ranks = stackalloc int[n]; // ranks[i]: rank of merging part i with part i + 1
        Span<int> merged = stackalloc int[n];
        for (int i = 0; i < n; i++)
        {
            starts[i] = i;
            ids[i] = ByteId(piece[i]);
        }
        starts[n] = n;
        for (int i = 0; i < n - 1; i++)
            ranks[i] = lookup.TryMerge(piece, i, i + 2, ids[i], ids[i + 1], out int r, out merged[i]) ? r : int.MaxValue;
        ranks[n - 1] = int.MaxValue;

        while (n > 1)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i < n - 1; i++)
            {
                if (ranks[i] < best)
                {
                    best = ranks[i];
                    at = i;
                }
            }
            if (at < 0) break;
            ids[at] = merged[at];
            starts[(at + 2)..(n + 1)].CopyTo(starts[(at + 1)..]);
            ids[(at + 2)..n].CopyTo(ids[(at + 1)..]);
            ranks[(at + 2)..n].CopyTo(ranks[(at + 1)..]);
            merged[(at + 2)..n].CopyTo(merged[(at + 1)..]);
            n--;
            ranks[at] = at + 1 < n && lookup.TryMerge(piece, starts[at], starts[at + 2], ids[at], ids[at + 1], out int r1, out merged[at])
                ? r1 : int.MaxValue;
            if (at > 0)
                ranks[at - 1] = lookup.TryMerge(piece, starts[at - 1], starts[at + 1], ids[at - 1], ids[at], out int r0, out merged[at - 1])
                    ? r0 : int.MaxValue;
        }
        for (int i = 0; i < n; i++) output.Add(ids[i]);
    }

    /// <summary>
    /// Parts in a linked list, candidate pairs in a heap ordered by (rank, start), stale entries skipped by a
    /// per-part version: O(n log n), and the same merge order as the scan.
    /// </summary>
    private void MergeLong<T>(ReadOnlySpan<byte> piece, T lookup, List<int> output) where T : struct, IPairLookup
    {
        int n = piece.Length;
        var ids = new int[n];
        var next = new int[n];
        var prev = new int[n];
        var version = new int[n];
        var heap = new PriorityQueue<(int Part, int Version, int Merged), long>();
        for (int i = 0; i < n; i++)
        {
            ids[i] = ByteId(piece[i]);
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // A part is identified by its start byte, which never changes while it lives.
        void Push(int part, ReadOnlySpan<byte> bytes)
        {
            int right = next[part];
            if (right < 0) return;
            int end = next[right] < 0 ? bytes.Length : next[right];
            if (lookup.TryMerge(bytes, part, end, ids[part], ids[right], out int rank, out int merged))
                heap.Enqueue((part, version[part], merged), ((long)rank << 32) | (uint)part);
        }
        for (int i = 0; i < n - 1; i++) Push(i, piece);
        while (heap.TryDequeue(out var top, out _))
        {
            int part = top.Part;
            if (version[part] != top.Version) continue; // the part or its right neighbour changed since
            int right = next[part];
            ids[part] = top.Merged;
            version[right] = -1; // dead: matches no queued version
            next[part] = next[right];
            if (next[right] >= 0) prev[next[right]] = part;
            version[part]++;
            Push(part, piece);
            int left = prev[part];
            if (left >= 0)
            {
                version[left]++;
                Push(left, piece);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) output.Add(ids[i]);
    }
}
