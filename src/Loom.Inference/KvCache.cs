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

    private readonly float*[] _keys;
    private readonly float*[] _values;

    public KvCache(LlmConfig config)
    {
        ContextLength = config.ContextLength;
        KeyWidth = config.KeyWidth;
        ValueWidth = config.ValueWidth;
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
            _keys[i] = Grow(_keys[i], (long)capacity * KeyWidth);
            _values[i] = Grow(_values[i], (long)capacity * ValueWidth);
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
            ReturnableMemory.FreeResizable(_keys[i]);
            ReturnableMemory.FreeResizable(_values[i]);
            _keys[i] = _values[i] = null;
        }
        Capacity = 0;
    }

    private static float* Grow(float* block, long floats)
    {
        var grown = (float*)ReturnableMemory.Resize(block, floats * sizeof(float));
        if (grown is null) throw new OutOfMemoryException($"KV cache: {floats * sizeof(float)} bytes for one layer could not be allocated");
        return grown;
    }
}
