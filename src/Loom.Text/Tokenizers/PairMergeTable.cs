using System.Numerics;

namespace Loom.Text.Tokenizers;

/// <summary>
/// (left id, right id) → (merge rank, merged id) for merge-list BPE, in one open-addressing array whose 16-byte
/// slots hold key and value together: a lookup costs one cache line, where a Dictionary costs two (bucket, entry).
/// The first insertion of a pair wins, as in Hugging Face, where a later duplicate merge never applies.
/// </summary>
internal sealed class PairMergeTable
{
    private struct Slot
    {
        public long Key; // left << 32 | right; -1 = empty (ids are never negative)
        public int Rank;
        public int Merged;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;

    public PairMergeTable(int capacity)
    {
        _slots = new Slot[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2))];
        _mask = _slots.Length - 1;
        for (int i = 0; i < _slots.Length; i++) _slots[i].Key = -1;
    }

    /// <summary>Adds the pair unless it is already present; false if it was.</summary>
    public bool TryAdd(int left, int right, int rank, int merged)
    {
        long key = Key(left, right);
        for (int i = Index(key); ; i = (i + 1) & _mask)
        {
            if (_slots[i].Key == key) return false;
            if (_slots[i].Key != -1) continue;
            _slots[i] = new Slot { Key = key, Rank = rank, Merged = merged };
            return true;
        }
    }

    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        long key = Key(left, right);
        for (int i = Index(key); ; i = (i + 1) & _mask)
        {
            ref Slot slot = ref _slots[i];
            if (slot.Key == key)
            {
                rank = slot.Rank;
                merged = slot.Merged;
                return true;
            }
            if (slot.Key == -1)
            {
                rank = merged = -1;
                return false;
            }
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private int Index(long key)
    {
        ulong h = (ulong)key * 0x9E3779B97F4A7C15UL;
        return (int)(h >> 40) & _mask;
    }
}
