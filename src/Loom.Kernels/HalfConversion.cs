using System.Numerics.Tensors;

namespace Loom.Kernels;

/// <summary>
/// Bulk float32 ↔ IEEE half conversion (round to nearest even, NaN kept NaN, overflow to ±Inf), vectorized by
/// TensorPrimitives. The destination must hold at least the source's length; only that many are written.
/// </summary>
public static class HalfConversion
{
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        ValidateLengths("half conversion", source.Length, destination.Length);
        TensorPrimitives.ConvertToHalf(source, destination[..source.Length]);
    }

    public static void ToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        ValidateLengths("half conversion", source.Length, destination.Length);
        TensorPrimitives.ConvertToSingle(source, destination[..source.Length]);
    }

    internal static void ValidateLengths(string op, int sourceLength, int destinationLength)
    {
        if (destinationLength < sourceLength)
            throw Core.LoomException.Shape(op, $"destination needs {sourceLength} elements (the source length), found {destinationLength}");
    }
}
