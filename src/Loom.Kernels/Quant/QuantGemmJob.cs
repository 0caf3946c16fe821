using System.Runtime.CompilerServices;
using Loom.Kernels.Threading;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// The two pool passes of one <see cref="QuantGemm"/> call. First the activation rows are quantized into strips (items
/// of a few strips) in the calling thread's scratch, which every thread then reads. Then each compute item takes
/// <see cref="ItemColumns"/> weight rows, packs them into slivers in its own thread's scratch (whole K: 2 × 101 KB
/// for K = 2816, in L2), then for each run of <see cref="KcBlocks"/> K blocks runs every strip against each sliver
/// (the sliver's run stays in L1 while the strips stream from L2). Every output is summed block by block in K order by one thread, with C holding the running sums
/// between K runs, so the result is the same bits for any thread count and any grouping of rows into strips.
/// One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class QuantGemmJob : IParallelWork
{
    [ThreadStatic] private static QuantGemmJob? t_cached;

    private const int StripsPerQuantizeItem = 4;

    private byte* _weights;
    private long _rowBytes;
    private int _rows, _kBlocks, _n, _strips;
    private float* _x, _y;
    private byte* _packedA;
    private GemmKernelKind _kernel;
    private bool _q4_0;
    private bool _quantizing;

    public static void Run(GgmlType type, byte* weights, long rowBytes, int rows, int columns, float* x, int n, float* y, GemmKernelKind kernel, int threads)
    {
        QuantGemmJob job = t_cached ?? new QuantGemmJob();
        t_cached = null; // a nested call on this thread must not reuse the job in flight
        try
        {
            job._weights = weights;
            job._rowBytes = rowBytes;
            job._rows = rows;
            job._kBlocks = columns / BlockSize;
            job._n = n;
            job._x = x;
            job._y = y;
            job._kernel = kernel;
            job._q4_0 = type == GgmlType.Q4_0;
            job._strips = (n + Mr - 1) / Mr;
            long aBytes = (long)job._strips * job._kBlocks * ABlockBytes;
            job._packedA = (byte*)GemmScratch.ForCurrentThread().Shared((nint)((aBytes + 3) / 4));
            job._quantizing = true;
            WorkerPool.Shared.For((job._strips + StripsPerQuantizeItem - 1) / StripsPerQuantizeItem, job, threads);
            job._quantizing = false;
            WorkerPool.Shared.For((rows + ItemColumns - 1) / ItemColumns, job, threads);
        }
        finally
        {
            job._weights = null;
            job._x = job._y = null;
            job._packedA = null;
            t_cached = job;
        }
    }

    public void Run(int index)
    {
        if (_quantizing) Quantize(index);
        else Compute(index);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Quantize(int item)
    {
        int last = Math.Min(_strips, (item + 1) * StripsPerQuantizeItem);
        long columns = (long)_kBlocks * BlockSize;
        for (int s = item * StripsPerQuantizeItem; s < last; s++)
        {
            byte* strip = _packedA + (long)s * _kBlocks * ABlockBytes;
            for (int slot = 0; slot < Mr; slot++)
            {
                int i = s * Mr + slot;
                // The packed weights' zero point: Q4_0 quants are nibble − 8, Q8_0 ones are packed as q + 128.
                if (i < _n) QuantGemmActivations.Row(_x + i * columns, _kBlocks, _q4_0 ? 8 : 128, strip, slot);
                else QuantGemmActivations.ClearSlot(_kBlocks, strip, slot);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few dozen times per prompt: skip the slow tiers
    private void Compute(int item)
    {
        int col0 = item * ItemColumns, cols = Math.Min(ItemColumns, _rows - col0);
        int slivers = (cols + Nr - 1) / Nr;
        var scratch = GemmScratch.ForCurrentThread();
        long sliverBytes = (long)_kBlocks * BBlockBytes;
        byte* packedB = (byte*)scratch.PackB((nint)(ItemColumns / Nr * sliverBytes / sizeof(float)));
        float* edge = scratch.Tile(Mr * Nr);
        // The item's weight rows are packed whole (each row read front to back once), then multiplied in K runs.
        for (int t = 0; t < slivers; t++)
            QuantGemmPacking.Sliver(_q4_0, _weights, _rowBytes, col0 + t * Nr, Math.Min(Nr, cols - t * Nr), _kBlocks, packedB + t * sliverBytes);
        for (int k0 = 0; k0 < _kBlocks; k0 += KcBlocks)
        {
            int kb = Math.Min(KcBlocks, _kBlocks - k0);
            for (int t = 0; t < slivers; t++)
            {
                byte* b = packedB + t * sliverBytes + (long)k0 * BBlockBytes;
                int c0 = col0 + t * Nr, validCols = Math.Min(Nr, _rows - c0);
                for (int s = 0; s < _strips; s++)
                {
                    byte* a = _packedA + ((long)s * _kBlocks + k0) * ABlockBytes;
                    int validRows = Math.Min(Mr, _n - s * Mr);
                    float* c = _y + (long)s * Mr * _rows + c0;
                    if (validRows == Mr && validCols == Nr)
                    {
                        Tile(a, b, kb, c, _rows, k0 == 0);
                        continue;
                    }
                    // An edge tile: run the full tile on a copy, keep the part that exists.
                    if (k0 > 0) Copy(c, _rows, edge, Nr, validRows, validCols);
                    Tile(a, b, kb, edge, Nr, k0 == 0);
                    Copy(edge, Nr, c, _rows, validRows, validCols);
                }
            }
        }
    }

    private void Tile(byte* a, byte* b, int kb, float* c, int ldc, bool first)
    {
        switch (_kernel)
        {
            case GemmKernelKind.Avx512: QuantGemmKernelAvx512.Tile(a, b, kb, c, ldc, first); break;
            case GemmKernelKind.Avx2 when _q4_0: QuantGemmKernelAvx2.Tile(a, b, kb, c, ldc, first); break;
            case GemmKernelKind.Avx2: QuantGemmKernelVnni.Tile(a, b, kb, c, ldc, first); break;
            default: QuantGemmKernelPortable.Tile(a, b, kb, c, ldc, first); break;
        }
    }

    private static void Copy(float* src, int lds, float* dst, int ldd, int rows, int cols)
    {
        for (int r = 0; r < rows; r++) new ReadOnlySpan<float>(src + (long)r * lds, cols).CopyTo(new Span<float>(dst + (long)r * ldd, cols));
    }
}
