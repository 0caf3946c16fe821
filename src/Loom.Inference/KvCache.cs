using Loom.Kernels;

namespace Loom.Inference;

/// <summary>
/// The float32 key/value cache of one sequence: per layer, K is [positions, KvHeads·KeyLength] and V
/// [positions, KvHeads·ValueLength], row t holding position t; the projections write their rows straight into it.
/// It grows by doubling (at least <see cref="MinimumCapacity"/> rows, at most <see cref="ContextLength"/>) as
/// tokens arrive, so a model whose metadata allows 128k tokens costs memory only for the tokens actually held,
/// and decoding allocates only on the few steps that cross a power of two.
/// </summary>
/// <remarks>
/// Each layer's K and V are native blocks (<see cref="ReturnableMemory.Resize"/>), not managed arrays: growing one
/// remaps its pages instead of copying them into a new array and leaving the old one as garbage, pages beyond the
/// positions written are not resident, the garbage collector never copies or scans the cache, and
/// <see cref="Dispose"/> gives it all back at once.
/// </remarks>
public sealed unsafe class KvCache : IDisposable
{
    public const int MinimumCapacity = 256;

    // Blocks as allocated, and the 64-byte aligned start inside each where row 0 is (a mapped block's data starts 16
    // bytes into a page: the attention's 256-bit loads of a row would straddle cache lines).
    private readonly byte*[] _keyBlocks, _valueBlocks;
    private readonly float*[] _keys;
    private readonly float*[] _values;

    public KvCache(LlmConfig config)
    {
        ContextLength = config.ContextLength;
        KeyWidth = config.KeyWidth;
        ValueWidth = config.ValueWidth;
        _keyBlocks = new byte*[config.LayerCount];
        _valueBlocks = new byte*[config.LayerCount];
        _keys = new float*[config.LayerCount];
        _values = new float*[config.LayerCount];
    }

    public int ContextLength { get; }
    public int KeyWidth { get; }
    public int ValueWidth { get; }
    /// <summary>Positions the cache has room for now.</summary>
    public int Capacity { get; private set; }
    /// <summary>Bytes the cache holds now (K and V of every layer).</summary>
    public long Bytes => 4L * Capacity * (KeyWidth + ValueWidth) * _keys.Length;

    /// <summary>Makes room for positions 0..<paramref name="positions"/>−1, keeping what is stored.</summary>
    public void EnsureCapacity(int positions)
    {
        if (positions <= Capacity) return;
        ObjectDisposedException.ThrowIf(_disposed, this);
        int capacity = (int)Math.Min(ContextLength, Math.Max(positions, Math.Max(MinimumCapacity, 2L * Capacity)));
        for (int i = 0; i < _keys.Length; i++)
        {
            Grow(ref _keyBlocks[i], ref _keys[i], (long)Capacity * KeyWidth, (long)capacity * KeyWidth);
            Grow(ref _valueBlocks[i], ref _values[i], (long)Capacity * ValueWidth, (long)capacity * ValueWidth);
        }
        Capacity = capacity;
    }

    /// <summary>Layer <paramref name="layer"/>'s keys, [<see cref="Capacity"/>, <see cref="KeyWidth"/>]; valid until
    /// the cache grows or is disposed.</summary>
    public Span<float> Keys(int layer) => new(_keys[layer], Capacity * KeyWidth);

    /// <summary>Layer <paramref name="layer"/>'s values, [<see cref="Capacity"/>, <see cref="ValueWidth"/>].</summary>
    public Span<float> Values(int layer) => new(_values[layer], Capacity * ValueWidth);

    internal float* KeyData(int layer) => _keys[layer];
    internal float* ValueData(int layer) => _values[layer];

    private bool _disposed;

    /// <summary>Frees the cache; the session that owns it cannot be used after.</summary>
    public void Dispose()
    {
        Free();
        _disposed = true;
        GC.SuppressFinalize(this);
    }

    ~KvCache() => Free();

    private void Free()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            ReturnableMemory.FreeResizable(_keyBlocks[i]);
            ReturnableMemory.FreeResizable(_valueBlocks[i]);
            _keyBlocks[i] = _valueBlocks[i] = null;
            _keys[i] = _values[i] = null;
        }
        Capacity = 0;
    }

    // Resizes block to hold `floats` from a 64-byte boundary, keeping the first `held` floats; a block that moved to
    // a different offset from the boundary has its rows shifted there (a remapped block keeps its offset).
    private static void Grow(ref byte* block, ref float* aligned, long held, long floats)
    {
        long oldShift = block is null ? 0 : (byte*)aligned - block;
        var grown = (byte*)ReturnableMemory.Resize(block, floats * sizeof(float) + 64);
        if (grown is null) throw new OutOfMemoryException($"KV cache: {floats * sizeof(float)} bytes for one layer could not be allocated");
        long shift = (64 - ((nint)grown & 63)) & 63;
        if (held > 0 && shift != oldShift)
            Buffer.MemoryCopy(grown + oldShift, grown + shift, floats * sizeof(float), held * sizeof(float));
        block = grown;
        aligned = (float*)(grown + shift);
    }
}
