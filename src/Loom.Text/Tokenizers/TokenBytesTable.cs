using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Token ids and their bytes, both ways. The bytes of every token sit in one array, and an open-addressing hash
/// table over byte slices answers "which token is this span?" without allocating: the hot lookup of byte-pair
/// merging, which asks it for every candidate pair.
/// </summary>
internal sealed class TokenBytesTable
{
    private readonly byte[] _bytes;
    private readonly int[] _starts; // per id; _lengths[id] < 0 marks an id with no token (a gap)
    private readonly int[] _lengths;
    private readonly int[] _slots; // id + 1 per slot, 0 = empty; tokens of 8 bytes or more
    private readonly int _mask;
    // Tokens of up to 7 bytes — nearly every pair byte-pair merging asks about — keyed by their bytes packed into
    // a ulong, so a lookup touches one slot and nothing else.
    private readonly ShortSlot[] _short;
    private readonly int _shortMask;

    private struct ShortSlot
    {
        public ulong Key; // ShortKey(bytes); 0 = empty (a key always holds a non-zero length)
        public int Id;
    }

    private const int MaxShort = 7;

    /// <param name="tokensById">The bytes of each id; null leaves the id unused.</param>
    /// <param name="source">Names the file or vocabulary in error messages.</param>
    public TokenBytesTable(IReadOnlyList<byte[]?> tokensById, string source)
    {
        int count = tokensById.Count;
        long total = 0;
        int present = 0;
        foreach (var t in tokensById)
        {
            if (t is null) continue;
            total += t.Length;
            present++;
        }
        _bytes = new byte[total];
        _starts = new int[count];
        _lengths = new int[count];
        int shortCount = tokensById.Count(t => t is { Length: > 0 and <= MaxShort });
        _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, (present - shortCount) * 2))];
        _mask = _slots.Length - 1;
        _short = new ShortSlot[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, shortCount * 2))];
        _shortMask = _short.Length - 1;
        int at = 0;
        for (int id = 0; id < count; id++)
        {
            var token = tokensById[id];
            if (token is null)
            {
                _lengths[id] = -1;
                continue;
            }
            if (token.Length == 0) throw LoomException.Format(source, $"token {id} is empty");
            token.CopyTo(_bytes, at);
            _starts[id] = at;
            _lengths[id] = token.Length;
            at += token.Length;
            if (token.Length <= MaxShort)
            {
                ulong key = ShortKey(token);
                int shortSlot = (int)Mix(key) & _shortMask;
                while (_short[shortSlot].Key != 0)
                {
                    if (_short[shortSlot].Key == key)
                        throw LoomException.Format(source, $"tokens {_short[shortSlot].Id} and {id} have the same bytes");
                    shortSlot = (shortSlot + 1) & _shortMask;
                }
                _short[shortSlot] = new ShortSlot { Key = key, Id = id };
                continue;
            }
            int slot = (int)Hash(token) & _mask;
            while (_slots[slot] != 0)
            {
                int other = _slots[slot] - 1;
                if (Get(other).SequenceEqual(token))
                    throw LoomException.Format(source, $"tokens {other} and {id} have the same bytes");
                slot = (slot + 1) & _mask;
            }
            _slots[slot] = id + 1;
        }
        Count = count;
        PresentCount = present;
    }

    /// <summary>Number of ids, including unused ones (one more than the largest id).</summary>
    public int Count { get; }

    /// <summary>Number of ids that have a token.</summary>
    public int PresentCount { get; }

    public bool Contains(int id) => (uint)id < (uint)Count && _lengths[id] >= 0;

    /// <summary>The bytes of <paramref name="id"/>; empty for an unused id.</summary>
    public ReadOnlySpan<byte> Get(int id) =>
        _lengths[id] < 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(_bytes, _starts[id], _lengths[id]);

    /// <summary>The id whose bytes equal <paramref name="bytes"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Find(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= MaxShort)
        {
            if (bytes.IsEmpty) return -1;
            ulong key = ShortKey(bytes);
            for (int probe = (int)Mix(key) & _shortMask; ; probe = (probe + 1) & _shortMask)
            {
                ref ShortSlot entry = ref _short[probe];
                if (entry.Key == key) return entry.Id;
                if (entry.Key == 0) return -1;
            }
        }
        int slot = (int)Hash(bytes) & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0) return -1;
            int id = entry - 1;
            if (_lengths[id] == bytes.Length && bytes.SequenceEqual(new ReadOnlySpan<byte>(_bytes, _starts[id], bytes.Length)))
                return id;
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Up to 7 bytes, little-endian, with the length in the top byte (so "a" and "a\0" differ).</summary>
    private static ulong ShortKey(ReadOnlySpan<byte> bytes)
    {
        ulong key = (ulong)bytes.Length << 56;
        for (int i = 0; i < bytes.Length; i++) key |= (ulong)bytes[i] << (8 * i);
        return key;
    }

    private static ulong Mix(ulong h)
    {
        h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDUL;
        h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 33);
    }

    /// <summary>A fast multiply-xorshift hash over 8-byte words, finished so that similar tokens spread out.</summary>
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong h = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..])) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
        }
        ulong tail = 0;
        for (int shift = 0; i < bytes.Length; i++, shift += 8) tail |= (ulong)bytes[i] << shift;
        // MurmurHash3's finalizer: every input bit reaches the low bits the table indexes with.
        return Mix(h ^ tail);
    }
}
