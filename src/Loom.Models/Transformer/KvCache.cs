using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// Keys and values of every layer for the positions decoded so far, so each new token attends to the past without
/// recomputing it. Sized once for the whole context: [layers] × [B, KvHeads, ContextLength, HeadDim] each.
/// </summary>
public sealed class KvCache
{
    private readonly Tensor[] _keys;   // per layer [B, Hkv, ContextLength, D]
    private readonly Tensor[] _values; // per layer [B, Hkv, ContextLength, D]

    internal KvCache(TransformerConfig config, int batch)
    {
        if (batch < 1) throw LoomException.Argument($"kv cache: batch must be positive, found {batch}");
        Batch = batch;
        Capacity = config.ContextLength;
        KvHeads = config.KvHeads;
        HeadDim = config.HeadDim;
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            _keys[l] = Tensor.Zeros(batch, KvHeads, Capacity, HeadDim);
            _values[l] = Tensor.Zeros(batch, KvHeads, Capacity, HeadDim);
        }
    }

    public int Batch { get; }

    /// <summary>Positions the cache holds at most: the model's context length.</summary>
    public int Capacity { get; }

    public int KvHeads { get; }
    public int HeadDim { get; }

    /// <summary>
    /// Writes layer <paramref name="layer"/>'s keys and values for positions startPos … startPos + T − 1 (k, v as
    /// [B, Hkv, T, D]) and returns views of everything cached up to them: [B, Hkv, startPos + T, D].
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v, int startPos)
    {
        int time = k.Size(2);
        if (startPos + time > Capacity)
            throw LoomException.Argument($"kv cache: positions {startPos}..{startPos + time - 1} do not fit the context length {Capacity}");
        Write(_keys[layer], k, startPos);
        Write(_values[layer], v, startPos);
        return (_keys[layer].Slice(2, 0, startPos + time), _values[layer].Slice(2, 0, startPos + time));
    }

    private void Write(Tensor cache, Tensor source, int startPos)
    {
        int time = source.Size(2);
        ReadOnlySpan<float> src = source.Contiguous().AsSpan();
        Span<float> dst = cache.DataSpan;
        int rows = Batch * KvHeads, block = time * HeadDim;
        for (int r = 0; r < rows; r++)
            src.Slice(r * block, block).CopyTo(dst.Slice((r * Capacity + startPos) * HeadDim, block));
    }
}
