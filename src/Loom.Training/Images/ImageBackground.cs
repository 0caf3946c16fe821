namespace Loom.Training.Images;

/// <summary>The opaque colour transparent pixels are composited over when alpha is dropped (8-bit RGB).</summary>
public readonly record struct ImageBackground(byte R, byte G, byte B)
{
    public static ImageBackground White { get; } = new(255, 255, 255);
    public static ImageBackground Black { get; } = new(0, 0, 0);
}
