using System.Runtime.InteropServices;

namespace Loom.Kernels;

/// <summary>
/// 64-byte aligned native blocks whose memory goes back to the OS the moment they are freed, for large buffers that
/// are needed for a while and then not (a prompt's activations, GEMM packing): freeing them must lower the resident
/// memory, not leave it with the allocator.
/// </summary>
/// <remarks>
/// Why the padding: glibc's malloc serves a request of at least its mmap threshold with a mapping of its own, which free
/// unmaps; smaller requests come from the heap, whose free memory is given back only once twice the threshold lies free
/// at its top. The threshold starts at 128 KiB but rises to the size of any mapped block freed, up to 32 MiB on 64-bit:
/// after a 10 MB buffer is freed once, the next one lands in the heap and stays resident after it is freed (measured:
/// the heap held ~14 MB of freed prompt buffers). A request above 32 MiB is always mapped, and a mapping costs resident
/// memory only for the pages written, so a large block is asked for as at least that: the address space is padded,
/// the resident memory is exactly what is used. Other allocators map large blocks too; there the padding is inert.
/// </remarks>
public static unsafe class ReturnableMemory
{
    /// <summary>Blocks at least this large are padded to <see cref="MappedRequest"/>.</summary>
    public const long LargeBytes = 64 * 1024;

    /// <summary>Above glibc's largest mmap threshold (32 MiB on 64-bit) with room for its alignment header.</summary>
    public const long MappedRequest = (32L << 20) + (64 << 10);

    /// <summary>A block of at least <paramref name="bytes"/> bytes, 64-byte aligned, uninitialized.</summary>
    public static void* Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long request = bytes >= LargeBytes ? Math.Max(bytes, MappedRequest) : bytes;
        return NativeMemory.AlignedAlloc((nuint)request, 64);
    }

    /// <summary>Frees a block from <see cref="Allocate"/> (null is ignored).</summary>
    public static void Free(void* block) => NativeMemory.AlignedFree(block);

    /// <summary>
    /// A block that grows in place: <paramref name="block"/> (null, or from an earlier call) resized to at least
    /// <paramref name="bytes"/>, keeping its contents; 16-byte aligned. A large block is its own mapping, which glibc
    /// grows by remapping the pages (no copy, no moment holding old and new), and untouched pages of it are not
    /// resident. Free it with <see cref="FreeResizable"/>.
    /// </summary>
    public static void* Resize(void* block, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long request = bytes >= LargeBytes ? Math.Max(bytes, MappedRequest) : bytes;
        return NativeMemory.Realloc(block, (nuint)request);
    }

    /// <summary>Frees a block from <see cref="Resize"/> (null is ignored).</summary>
    public static void FreeResizable(void* block) => NativeMemory.Free(block);
}
