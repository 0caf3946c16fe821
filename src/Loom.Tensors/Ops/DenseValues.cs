namespace Loom.Tensors;

/// <summary>Row-major values of a tensor without copying when it is already contiguous.</summary>
internal static class DenseValues
{
    public static ReadOnlySpan<float> Of(Tensor t) => t.IsContiguous ? t.AsSpan() : t.ToArray();

    /// <summary>A contiguous tensor's own storage, or a row-major copy of a view; for values a backward rule keeps.</summary>
    public static ArraySegment<float> Segment(Tensor t) =>
        t.IsContiguous ? new ArraySegment<float>(t.Storage, t.Offset, t.Length) : t.ToArray();

    /// <summary>Per-channel sums of a [N, C, spatial…] tensor: the gradient of a bias broadcast over N and space.</summary>
    public static float[] ChannelSums(ReadOnlySpan<float> values, int batch, int channels, int spatial)
    {
        var sums = new float[channels];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
            sums[c] += System.Numerics.Tensors.TensorPrimitives.Sum(values.Slice((n * channels + c) * spatial, spatial));
        return sums;
    }

    /// <summary>out[n, c, …] += bias[c] over a [N, C, spatial…] buffer.</summary>
    public static void AddChannelBias(Span<float> values, ReadOnlySpan<float> bias, int batch, int spatial)
    {
        int channels = bias.Length;
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        {
            Span<float> plane = values.Slice((n * channels + c) * spatial, spatial);
            System.Numerics.Tensors.TensorPrimitives.Add(plane, bias[c], plane);
        }
    }
}
