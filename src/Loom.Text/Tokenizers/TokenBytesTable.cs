using System.Buffers.Binary;
using System.Numerics;
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
    private readonly int[] _slots; // id + 1 per slot, 0 = empty
    private readonly int _mask;

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
        _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, present * 2))];
        _mask = _slots.Length - 1;
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
    public int Find(ReadOnlySpan<byte> bytes)
    {
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
        h ^= tail;
        h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDUL;
        h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return h ^ (h >> 33);
    }
}
