using System.Numerics;
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
            rng.FillSingles(factor);
            MaskFactors(factor, p, 1f / (1f - p));
        }
        float[] data = x.CopyToStorage();
        ApplyFactors(data, factor);
        int[] shape = x.ShapeArray;
        return Tensor.FromOp("dropout", [x], data, shape, g =>
        {
            float[] dx = g.CopyToStorage();
            System.Numerics.Tensors.TensorPrimitives.Multiply(dx, factor, dx);
            return [new Tensor(dx, shape)];
        });
    }

    // u < p → 0 (dropped), else scale: the same test as comparing each NextSingle draw with p.
    private static void MaskFactors(Span<float> uniforms, float p, float scale)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> threshold = new(p), kept = new(scale);
            for (; i <= uniforms.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var u = new Vector<float>(uniforms[i..]);
                Vector.ConditionalSelect(Vector.LessThan(u, threshold), Vector<float>.Zero, kept).CopyTo(uniforms[i..]);
            }
        }
        for (; i < uniforms.Length; i++) uniforms[i] = uniforms[i] < p ? 0f : scale;
    }

    // Dropped elements become exactly 0 even when x is infinite or NaN (a plain product would give NaN).
    private static void ApplyFactors(Span<float> values, ReadOnlySpan<float> factors)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var f = new Vector<float>(factors[i..]);
                var v = new Vector<float>(values[i..]);
                Vector.ConditionalSelect(Vector.Equals(f, Vector<float>.Zero), Vector<float>.Zero, v * f).CopyTo(values[i..]);
            }
        }
        for (; i < values.Length; i++) values[i] = factors[i] == 0f ? 0f : values[i] * factors[i];
    }
}
