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

    public float* PackA(nint floats) => Ensure(ref _packA, ref _packALength, floats);
    public float* PackB(nint floats) => Ensure(ref _packB, ref _packBLength, floats);
    public float* Tile(nint floats) => Ensure(ref _tile, ref _tileLength, floats);

    /// <summary>The operand a multi-threaded call packs once for all its threads (<see cref="GemmSharedJob"/>); the calling thread owns it.</summary>
    public float* Shared(nint floats) => Ensure(ref _shared, ref _sharedLength, floats);

    private static float* Ensure(ref float* buffer, ref nint length, nint floats)
    {
        if (floats <= length) return buffer;
        NativeMemory.AlignedFree(buffer);
        buffer = null;
        length = 0;
        buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        length = floats;
        return buffer;
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(_packA);
        NativeMemory.AlignedFree(_packB);
        NativeMemory.AlignedFree(_tile);
        NativeMemory.AlignedFree(_shared);
    }
}
