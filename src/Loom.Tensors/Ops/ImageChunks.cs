using Loom.Kernels;
using Loom.Kernels.Threading;

namespace Loom.Tensors;

/// <summary>Work on images [start, end) of a batch, with a scratch buffer that only this call uses.</summary>
internal delegate void ImageChunkBody(int start, int end, float[] scratch);

/// <summary>
/// Splits a batch of images into contiguous chunks, one per kernel thread, for per-image work whose results do not
/// depend on which chunk an image lands in (each image is computed the same way), so any thread count gives
/// bit-identical results. Small convolutions gain most: their per-image GEMMs are too small to split themselves.
/// </summary>
internal static class ImageChunks
{
    // Below ~64³ multiply-adds in all, waking the pool costs more than a second thread saves (as in Gemm).
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <param name="batch">Number of images.</param>
    /// <param name="multiplyAdds">Rough work of the whole batch, to keep small batches on the calling thread.</param>
    /// <param name="scratchLength">Floats of scratch each chunk gets.</param>
    /// <param name="body">The per-chunk work.</param>
    public static void For(int batch, long multiplyAdds, int scratchLength, ImageChunkBody body)
    {
        int chunks = multiplyAdds < ParallelThreshold ? 1 : Math.Min(KernelOptions.Threads, batch);
        if (chunks <= 1)
        {
            body(0, batch, new float[scratchLength]);
            return;
        }
        WorkerPool.Shared.For(chunks, new Work(batch, chunks, scratchLength, body));
    }

    private sealed class Work(int batch, int chunks, int scratchLength, ImageChunkBody body) : IParallelWork
    {
        public void Run(int index) => body(index * batch / chunks, (index + 1) * batch / chunks, new float[scratchLength]);
    }
}
