namespace Loom.Tensors;

/// <summary>
/// Recycles the storage of the tensors that ops make during one training step. A step builds the same graph again
/// and again (same shapes, or a handful of them), and every op output and intermediate gradient used to be a fresh
/// array: the garbage collector then spent a fifth of a small model's step zeroing new memory, taking page faults
/// and stopping every data-parallel thread to collect. While an arena is active on a thread
/// (<see cref="Activate"/>), ops take their output arrays from it; <see cref="Reset"/> hands every array back at
/// once, for the next step to reuse.
/// <para>The contract is the caller's: after Reset, no tensor made while the arena was active may be read again.
/// The trainer resets after backward has copied the gradients into the parameters' own storage
/// (<see cref="Tensor.Grad"/> and <see cref="LeafGradients"/> always copy), so only tasks whose loss keeps no op
/// output past the step opt in. Tensors made by the public factories (<see cref="Tensor.Zeros"/>,
/// <see cref="Tensor.ToArray"/>, …) are never recycled.</para>
/// </summary>
public sealed class StorageArena
{
    // Below this, an array costs the allocator less than the bookkeeping here.
    private const int MinimumLength = 64;

    // Free arrays kept for reuse: up to RetainSteps times the most one step has needed (at least 16 MiB, at most
    // the capacity). Lines of varying length make one set of array sizes per batch length, ~15 for names.
    private const long MinimumRetainedFloats = 4L << 20;
    private const int RetainSteps = 4;

    [ThreadStatic] private static StorageArena? t_active;

    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly List<float[]> _lent = [];
    private readonly long _capacityFloats;
    private long _lentFloats;
    private long _pooledFloats;
    private long _peakLentFloats;

    /// <param name="capacityBytes">Most bytes lent in one step; past it, ops get ordinary arrays (a very large model
    /// keeps the collector's behaviour instead of holding every intermediate gradient to the end of the step).</param>
    public StorageArena(long capacityBytes = 512L << 20)
    {
        if (capacityBytes < 0) throw Core.LoomException.Argument($"storage arena: capacity must be non-negative, found {capacityBytes}");
        _capacityFloats = capacityBytes / sizeof(float);
    }

    /// <summary>Bytes lent since the last <see cref="Reset"/>.</summary>
    public long LentBytes => _lentFloats * sizeof(float);

    /// <summary>Bytes held for reuse (lent or free).</summary>
    public long HeldBytes => (_lentFloats + _pooledFloats) * sizeof(float);

    /// <summary>Makes this arena the source of op storage on the calling thread until the scope is disposed.</summary>
    public Scope Activate()
    {
        var previous = t_active;
        t_active = this;
        return new Scope(previous);
    }

    /// <summary>
    /// Takes back every array lent since the last reset; the tensors built on them must be dead. Once the free arrays
    /// reach their budget, arrays handed back are left to the collector instead: the pool never churns (an array
    /// dropped after living in it for many steps would be old garbage, which only a full collection frees).
    /// </summary>
    public void Reset()
    {
        _peakLentFloats = Math.Max(_peakLentFloats, _lentFloats);
        long budget = Math.Clamp(RetainSteps * _peakLentFloats, MinimumRetainedFloats, Math.Max(MinimumRetainedFloats, _capacityFloats));
        foreach (var array in _lent)
        {
            if (_pooledFloats + array.Length > budget) continue;
            if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
            _pooledFloats += array.Length;
        }
        _lent.Clear();
        _lentFloats = 0;
    }

    /// <summary>Restores the previously active arena (if any) on this thread.</summary>
    public readonly struct Scope(StorageArena? previous) : IDisposable
    {
        public void Dispose() => t_active = previous;
    }

    /// <summary>A zeroed array of <paramref name="length"/> floats: from the active arena, else a new one.</summary>
    internal static float[] New(int length) => Lend(length, clear: true);

    /// <summary>An array of <paramref name="length"/> floats whose contents are undefined: for outputs the op writes in full.</summary>
    internal static float[] NewUninitialized(int length) => Lend(length, clear: false);

    private static float[] Lend(int length, bool clear)
    {
        var arena = t_active;
        if (arena is null || length < MinimumLength) return new float[length];
        return arena.Take(length, clear);
    }

    private float[] Take(int length, bool clear)
    {
        if (_lentFloats + length > _capacityFloats) return new float[length];
        float[] array;
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            array = stack.Pop();
            _pooledFloats -= length;
            if (clear) Array.Clear(array);
        }
        else
        {
            array = new float[length];
        }
        _lent.Add(array);
        _lentFloats += length;
        return array;
    }
}
