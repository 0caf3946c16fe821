using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Inference;

/// <summary>Load-time checks on the tensors a model needs; each error names the file and tensor, expected vs found.</summary>
internal static class TensorChecks
{
    // The weight types the matmul paths take (QuantMatMul for all but F32).
    private static readonly GgmlType[] MatMulTypes =
    [
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
        GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
    ];

    /// <summary>The tensor <paramref name="name"/> with exactly the ggml shape <paramref name="shape"/> (ne0 first).</summary>
    public static GgufTensorInfo Require(GgufFile file, string name, long[] shape)
    {
        if (!file.TryGetTensor(name, out var tensor))
            throw new LoomException(LoomErrorCode.InvalidFormat, $"{FileName(file)}: tensor '{name}' is missing (expected shape {Format(shape)})");
        if (!tensor.Dimensions.SequenceEqual(shape))
            throw new LoomException(LoomErrorCode.InvalidFormat,
                $"{FileName(file)}: tensor '{name}': expected shape {Format(shape)}, found {Format(tensor.Dimensions)}");
        return tensor;
    }

    public static void RequireMatMulType(GgufFile file, GgufTensorInfo tensor)
    {
        if (Array.IndexOf(MatMulTypes, tensor.Type) < 0)
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{FileName(file)}: tensor '{tensor.Name}' has type {tensor.Type}; supported: {string.Join(", ", MatMulTypes)}");
    }

    /// <summary>A 1-D vector (norm weights, biases) of <paramref name="length"/> values, widened to float32.</summary>
    public static float[] Vector(GgufFile file, string name, int length)
    {
        var tensor = Require(file, name, [length]);
        if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{FileName(file)}: tensor '{name}' has type {tensor.Type}; a vector must be F32, F16 or BF16");
        return file.ReadTensorAsFloat32(name);
    }

    public static float[]? OptionalVector(GgufFile file, string name, int length) =>
        file.TryGetTensor(name, out _) ? Vector(file, name, length) : null;

    private static string FileName(GgufFile file) => Path.GetFileName(file.Path);

    private static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
