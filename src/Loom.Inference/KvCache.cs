namespace Loom.Inference;

/// <summary>
/// The float32 key/value cache of one sequence, sized to the whole context when the session is created (so decoding
/// never allocates): per layer, K is [ContextLength, KvHeads·KeyLength] and V [ContextLength, KvHeads·ValueLength],
/// row t holding position t. The projections write their rows straight into it.
/// </summary>
public sealed class KvCache
{
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
            _keys[i] = new float[(long)ContextLength * KeyWidth];
            _values[i] = new float[(long)ContextLength * ValueWidth];
        }
    }

    public int ContextLength { get; }
    public int KeyWidth { get; }
    public int ValueWidth { get; }
    /// <summary>Bytes the cache holds (K and V of every layer).</summary>
    public long Bytes => 4L * ContextLength * (KeyWidth + ValueWidth) * _keys.Length;

    public float[] Keys(int layer) => _keys[layer];
    public float[] Values(int layer) => _values[layer];
}
