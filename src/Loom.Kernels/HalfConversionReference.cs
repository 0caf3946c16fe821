namespace Loom.Kernels;

/// <summary>The element-by-element BCL casts that <see cref="HalfConversion"/> is tested against.</summary>
public static class HalfConversionReference
{
    public static void ToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        HalfConversion.ValidateLengths("half conversion", source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = (Half)source[i];
    }

    public static void ToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        HalfConversion.ValidateLengths("half conversion", source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = (float)source[i];
    }
}
