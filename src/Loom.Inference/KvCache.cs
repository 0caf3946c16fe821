namespace Loom.Inference;

/// <summary>
/// The float32 key/value cache of one sequence: per layer, K is [positions, KvHeads·KeyLength] and V
/// [positions, KvHeads·ValueLength], row t holding position t; the projections write their rows straight into it.
/// It grows by doubling (at least <see cref="MinimumCapacity"/> rows, at most <see cref="ContextLength"/>) as
/// tokens arrive, so a model whose metadata allows 128k tokens costs memory only for the tokens actually held,
/// and decoding allocates only on the few steps that cross a power of two.
/// </summary>
public sealed class KvCache
{
    public const int MinimumCapacity = 256;

    private readonly float[][] _keys;
    private readonly float[][] _values;

    public KvCache(LlmConfig config)
    {
        ContextLength = config.ContextLength;
        KeyWidth = config.KeyWidth;
        ValueWidth = config.ValueWidth;
        _keys = new float[config.LayerCount][];
        _values = new float[config.LayerCount][];
        for (int i = 0; i < config.LayerCount; i++)
        {
            _keys[i] = [];
            _values[i] = [];
        }
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
        int capacity = (int)Math.Min(ContextLength, Math.Max(positions, Math.Max(MinimumCapacity, 2L * Capacity)));
        for (int i = 0; i < _keys.Length; i++)
        {
            Array.Resize(ref _keys[i], capacity * KeyWidth);
            Array.Resize(ref _values[i], capacity * ValueWidth);
        }
        Capacity = capacity;
    }

    public float[] Keys(int layer) => _keys[layer];
    public float[] Values(int layer) => _values[layer];
}
