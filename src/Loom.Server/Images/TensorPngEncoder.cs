using Loom.Core;
using Loom.Tensors;

namespace Loom.Server.Images;

/// <summary>The default <see cref="IPngEncoder"/>: Loom.Formats' PNG encoder on 8-bit samples.</summary>
public sealed class TensorPngEncoder : IPngEncoder
{
    public byte[] Encode(Tensor images, int index) =>
        throw new LoomException(LoomErrorCode.NotSupported, "PNG encoding is not available in this build");
}
