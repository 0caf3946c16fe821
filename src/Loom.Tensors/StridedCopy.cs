namespace Loom.Tensors;

/// <summary>Gathers a strided view into a contiguous row-major buffer (the one loop every view ends in).</summary>
internal static class StridedCopy
{
    public static void CopyTo(Tensor src, Span<float> dst)
    {
        int n = src.Length;
        if (n == 0) return;
        if (src.IsContiguous)
        {
            src.Storage.AsSpan(src.Offset, n).CopyTo(dst);
            return;
        }
        int[] shape = src.ShapeRef, strides = src.StridesRef;
        int rank = shape.Length;
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        var index = new int[rank];
        int srcOff = src.Offset;
        float[] storage = src.Storage;
        for (int o = 0; o < n; o += inner)
        {
            int p = srcOff;
            for (int d = 0; d < rank - 1; d++) p += index[d] * strides[d];
            Span<float> row = dst.Slice(o, inner);
            if (innerStride == 1) storage.AsSpan(p, inner).CopyTo(row);
            else for (int j = 0; j < inner; j++, p += innerStride) row[j] = storage[p];
            // advance the outer multi-index (odometer)
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
    }
}
