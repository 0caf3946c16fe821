using System.Runtime.InteropServices;

namespace Loom.Kernels;

/// <summary>
/// One thread's GEMM packing buffers: 64-byte aligned native memory, allocated on first use, grown when a larger
/// block is needed and then reused, so steady-state GEMM calls allocate nothing. Freed by the finalizer once the
/// thread that owns it has ended.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    private float* _packA;
    private float* _packB;
    private float* _tile;
    private float* _shared;
    private nint _packALength;
    private nint _packBLength;
    private nint _tileLength;
    private nint _sharedLength;

    public static GemmScratch ForCurrentThread() => t_current ??= new GemmScratch();

    /// <summary>Bytes the calling thread's buffers hold (0 before its first GEMM or after <see cref="ReleaseCurrentThread"/>).</summary>
    public static long CurrentThreadBytes => t_current is { } s
        ? sizeof(float) * (long)(s._packALength + s._packBLength + s._tileLength + s._sharedLength)
        : 0;

    /// <summary>Frees the calling thread's buffers now; its next GEMM allocates them again.</summary>
    public static void ReleaseCurrentThread() => t_current?.Free();

    public float* PackA(nint floats) => Ensure(ref _packA, ref _packALength, floats);
    public float* PackB(nint floats) => Ensure(ref _packB, ref _packBLength, floats);
    public float* Tile(nint floats) => Ensure(ref _tile, ref _tileLength, floats);

    /// <summary>The operand a multi-threaded call packs once for all its threads (<see cref="GemmSharedJob"/>); the calling thread owns it.</summary>
    public float* Shared(nint floats) => Ensure(ref _shared, ref _sharedLength, floats);

    private static float* Ensure(ref float* buffer, ref nint length, nint floats)
    {
        if (floats <= length) return buffer;
        ReturnableMemory.Free(buffer);
        buffer = null;
        length = 0;
        buffer = (float*)ReturnableMemory.Allocate((long)floats * sizeof(float));
        length = floats;
        return buffer;
    }

    private void Free()
    {
        ReturnableMemory.Free(_packA);
        ReturnableMemory.Free(_packB);
        ReturnableMemory.Free(_tile);
        ReturnableMemory.Free(_shared);
        _packA = _packB = _tile = _shared = null;
        _packALength = _packBLength = _tileLength = _sharedLength = 0;
    }

    ~GemmScratch() => Free();
}
