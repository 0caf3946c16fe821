using Loom.Core;

namespace Loom.Tensors;

/// <summary>Inverted dropout.</summary>
public static partial class Ops
{
    /// <summary>
    /// While training, zeroes each element with probability <paramref name="p"/> and scales the survivors by
    /// 1/(1 − p), so the expected value is unchanged and evaluation needs no rescaling. Returns x itself when not
    /// training or p = 0, and zeros (with zero gradient) when p = 1. The mask takes one
    /// <see cref="LoomRandom.NextSingle"/> per element in row-major order, so the same generator state gives the
    /// same mask.
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, LoomRandom rng)
    {
        if (!(p >= 0f && p <= 1f)) throw LoomException.Argument($"dropout: probability must be in [0, 1], found {p}");
        if (!training || p == 0f) return x;
        // Kept elements carry the factor 1/(1 − p), dropped ones 0; p = 1 drops everything (and draws nothing).
        var factor = StorageArena.New(x.Length);
        if (p < 1f)
        {
            float scale = 1f / (1f - p);
            for (int i = 0; i < factor.Length; i++) factor[i] = rng.NextSingle() < p ? 0f : scale;
        }
        float[] data = x.CopyToStorage();
        for (int i = 0; i < data.Length; i++) data[i] = factor[i] == 0f ? 0f : data[i] * factor[i];
        int[] shape = x.ShapeArray;
        return Tensor.FromOp("dropout", [x], data, shape, g =>
        {
            float[] dx = g.CopyToStorage();
            System.Numerics.Tensors.TensorPrimitives.Multiply(dx, factor, dx);
            return [new Tensor(dx, shape)];
        });
    }
}
