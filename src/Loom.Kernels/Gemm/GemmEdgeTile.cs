namespace Loom.Kernels;

/// <summary>Writes the valid part of a tile computed into scratch (the right and bottom edges of C).</summary>
internal static unsafe class GemmEdgeTile
{
    /// <summary>
    /// c[i·ldc + j] (+)= tile[i·tileStride + j] for i &lt; rows, j &lt; cols. c + tile rounds exactly as a kernel's own
    /// load-add-store does, so edge elements get the same bits as they would inside a full tile.
    /// </summary>
    public static void Store(float* tile, int tileStride, float* c, nint ldc, int rows, int cols, bool accumulate)
    {
        for (int i = 0; i < rows; i++, c += ldc, tile += tileStride)
        {
            if (accumulate) for (int j = 0; j < cols; j++) c[j] += tile[j];
            else for (int j = 0; j < cols; j++) c[j] = tile[j];
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of a full-width tile, for kernels without a narrower copy.</summary>
    public static void RunRowsViaScratch<TKernel>(int rows, int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
        where TKernel : struct, IGemmMicroKernel
    {
        float* tile = stackalloc float[TKernel.Mr * TKernel.Nr];
        TKernel.Run(kc, a, b, tile, TKernel.Nr, accumulate: false);
        Store(tile, TKernel.Nr, c, ldc, rows, TKernel.Nr, accumulate);
    }
}
