using Loom.Tensors;

namespace Loom.Server.Images;

/// <summary>
/// Encodes one generated image — [C, H, W] floats in [-1, 1] at <paramref name="offset"/> of an [n, C, H, W] tensor —
/// as PNG bytes. An interface so the image endpoint does not care which encoder writes the file.
/// </summary>
public interface IPngEncoder
{
    byte[] Encode(Tensor images, int index);
}
