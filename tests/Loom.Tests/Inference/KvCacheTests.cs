using Loom.Inference;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>The native KV cache: growing keeps every stored row, holds room for the positions asked (doubling, bounded
/// by the context) with rows from a 64-byte boundary, and Dispose gives it back.</summary>
public unsafe class KvCacheTests
{
    [SharedGgufFact]
    public void Every_layer_starts_on_a_64_byte_boundary_across_growth()
    {
        var config = ReferenceModels.Model("llama-spm2500-q4_0.gguf").Config;
        using var cache = new KvCache(config);
        foreach (int positions in new[] { 1, KvCache.MinimumCapacity + 1, 3 * KvCache.MinimumCapacity })
        {
            cache.EnsureCapacity(Math.Min(positions, config.ContextLength));
            for (int layer = 0; layer < config.LayerCount; layer++)
            {
                fixed (float* k = cache.Keys(layer), v = cache.Values(layer))
                {
                    Assert.Equal(0, (long)k % 64);
                    Assert.Equal(0, (long)v % 64);
                }
            }
        }
    }

    [SharedGgufFact]
    public void Growing_keeps_the_stored_rows_and_dispose_frees_the_cache()
    {
        var config = ReferenceModels.Model("llama-spm2500-q4_0.gguf").Config;
        using var cache = new KvCache(config);
        Assert.Equal(0, cache.Bytes);
        cache.EnsureCapacity(10);
        Assert.Equal(KvCache.MinimumCapacity, cache.Capacity);
        int layers = config.LayerCount;
        for (int layer = 0; layer < layers; layer++)
        {
            var keys = cache.Keys(layer);
            var values = cache.Values(layer);
            for (int i = 0; i < keys.Length; i++) keys[i] = layer * 1000 + i;
            for (int i = 0; i < values.Length; i++) values[i] = -layer * 1000 - i;
        }

        cache.EnsureCapacity(KvCache.MinimumCapacity + 1); // doubles
        int capacity = Math.Min(2 * KvCache.MinimumCapacity, config.ContextLength);
        Assert.Equal(capacity, cache.Capacity);
        Assert.Equal(4L * capacity * (config.KeyWidth + config.ValueWidth) * layers, cache.Bytes);
        for (int layer = 0; layer < layers; layer++)
        {
            var keys = cache.Keys(layer);
            var values = cache.Values(layer);
            Assert.Equal(capacity * config.KeyWidth, keys.Length);
            for (int i = 0; i < KvCache.MinimumCapacity * config.KeyWidth; i++)
                Assert.True(keys[i] == layer * 1000 + i, $"layer {layer} key {i}: {keys[i]}");
            for (int i = 0; i < KvCache.MinimumCapacity * config.ValueWidth; i++)
                Assert.True(values[i] == -layer * 1000 - i, $"layer {layer} value {i}: {values[i]}");
        }

        cache.Dispose();
        Assert.Equal(0, cache.Bytes);
        Assert.Throws<ObjectDisposedException>(() => cache.EnsureCapacity(1));
    }

    [SharedGgufFact]
    public void A_disposed_session_refuses_tokens()
    {
        var session = ReferenceModels.Model("llama-spm2500-q4_0.gguf").CreateSession();
        session.Forward([1, 2, 3]);
        session.Dispose();
        Assert.Equal(0, session.Cache.Bytes);
        Assert.Throws<ObjectDisposedException>(() => session.Forward([4, 5]));
    }
}
