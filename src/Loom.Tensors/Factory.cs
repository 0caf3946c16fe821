using Loom.Core;

namespace Loom.Tensors;

public sealed partial class Tensor
{
    public static Tensor Zeros(params int[] shape) => new(new float[ShapeUtil.Product(shape)], shape);

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var data = new float[ShapeUtil.Product(shape)];
        Array.Fill(data, value);
        return new Tensor(data, shape);
    }

    /// <summary>A rank-0 tensor holding one value.</summary>
    public static Tensor Scalar(float value) => new([value]);

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params int[] shape) => new(data.ToArray(), shape);

    /// <summary>0, 1, …, n-1.</summary>
    public static Tensor Arange(int n)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = i;
        return new Tensor(data, n);
    }

    /// <summary>Samples from N(mean, std²), drawn in row-major order from <paramref name="rng"/>.</summary>
    public static Tensor Randn(LoomRandom rng, int[] shape, float mean = 0f, float std = 1f)
    {
        var data = new float[ShapeUtil.Product(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = mean + std * (float)rng.NextGaussian();
        return new Tensor(data, shape);
    }

    /// <summary>Samples from U[low, high), drawn in row-major order from <paramref name="rng"/>.</summary>
    public static Tensor Rand(LoomRandom rng, int[] shape, float low = 0f, float high = 1f)
    {
        var data = new float[ShapeUtil.Product(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * rng.NextSingle();
        return new Tensor(data, shape);
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for fluent construction of leaves.</summary>
    public Tensor WithGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }
}
