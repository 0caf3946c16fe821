namespace Loom.Services.Operations.Cache;

/// <summary>
/// A bounded in-memory map from request hash to a finished response, least recently used out first. Bounded both in
/// entries and in (approximate) bytes so a few huge responses cannot take the process's memory. Thread-safe.
/// Values are kept as objects (a ChatResponse, a list of updates) so a hit hands back exactly what the model returned,
/// extra properties (logprobs, token counts) with their .NET types; callers treat them as read-only. The size is the
/// caller's estimate (text length and per-object overhead). Its entries and bytes are exported at /metrics
/// by the server (Loom.Server's ResponseCacheMetrics): loom_response_cache_entries, loom_response_cache_size_bytes.
/// </summary>
public sealed class ResponseCache(int maxEntries = 1024, long maxBytes = 64L << 20)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, object Value, long Size)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, object Value, long Size)> _order = new();
    private long _bytes;

    public int MaxEntries { get; } = maxEntries > 0 ? maxEntries : throw new ArgumentOutOfRangeException(nameof(maxEntries));

    public long MaxBytes { get; } = maxBytes > 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes));

    public int Count
    {
        get { lock (_map) return _map.Count; }
    }

    /// <summary>The estimated bytes of the entries held now.</summary>
    public long Bytes
    {
        get { lock (_map) return _bytes; }
    }

    public bool TryGet(string key, out object? value)
    {
        lock (_map)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    public void Set(string key, object value, long approximateBytes)
    {
        long size = 2L * key.Length + Math.Max(0, approximateBytes);
        if (size > MaxBytes) return;
        lock (_map)
        {
            if (_map.Remove(key, out var old))
            {
                _order.Remove(old);
                _bytes -= old.Value.Size;
            }
            var node = _order.AddFirst((key, value, size));
            _map[key] = node;
            _bytes += size;
            while (_map.Count > MaxEntries || _bytes > MaxBytes)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
                _bytes -= last.Value.Size;
            }
        }
    }
}
