using System.Buffers;
using System.Globalization;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;
using Loom.Kernels.Threading;

namespace Loom.Models.Transformer;

/// <summary>Where one tensor's bytes come from (a memory-mapped file, an array) when they are needed.</summary>
public delegate ReadOnlySpan<byte> GgufTensorBytes();

/// <summary>A tensor to write: its name, shape and current type, and its bytes in that type.</summary>
public sealed record GgufSourceTensor(GgufTensorShape Shape, GgufTensorBytes Bytes);

/// <summary>What a quantization wrote: every tensor's type choice (in file order), warnings, and the data sizes.</summary>
public sealed record GgufQuantizeResult(IReadOnlyList<GgufTensorChoice> Tensors, IReadOnlyList<string> Warnings, long TensorBytesIn, long TensorBytesOut);

/// <summary>
/// Writes GGUF files the way llama-quantize does, so that Loom's output of a file is byte-identical to llama.cpp's
/// wherever Loom has the same quantizer: every metadata entry copied in order, then
/// <c>general.quantization_version</c> = 2 and <c>general.file_type</c> appended last (a key already present moves
/// to the end, as gguf_set_val does); tensors in llama.cpp's loader order (non-layer tensors first, then
/// <c>blk.0.*</c>, <c>blk.1.*</c>, … each by name); each tensor's type from <see cref="GgufTensorTypeRules"/>;
/// a tensor already in its target type copied as is; any other widened to float32 and quantized row by row with
/// ggml's reference quantizers (<see cref="Quantize.Row"/>), rows spread over the worker pool (each row's bytes
/// depend on that row only, so the thread count never changes the output).
/// </summary>
public static class GgufQuantizer
{
    public const string QuantizationVersionKey = "general.quantization_version";
    public const string FileTypeKey = "general.file_type";
    public const uint QuantizationVersion = 2;

    /// <summary>Quantizes the GGUF file <paramref name="input"/> into <paramref name="output"/> (written atomically).</summary>
    public static GgufQuantizeResult QuantizeFile(string input, string output, GgufQuantization quantization,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        using var file = GgufFile.Open(input);
        var tensors = file.Tensors
            .Select(t => new GgufSourceTensor(new GgufTensorShape(t.Name, t.Dimensions, t.Type), () => file.GetTensorBytes(t)))
            .ToList();
        var (writer, result) = Build(file.Metadata, tensors, quantization, LayerCount(file), progress, cancellation);
        writer.Write(output);
        return result;
    }

    /// <summary>
    /// The writer of a quantized file from <paramref name="metadata"/> and <paramref name="tensors"/> (any order: they
    /// are sorted as llama.cpp's loader sorts them), and what was chosen for each tensor.
    /// </summary>
    public static (GgufWriter Writer, GgufQuantizeResult Result) Build(IReadOnlyList<KeyValuePair<string, GgufValue>> metadata,
        IReadOnlyList<GgufSourceTensor> tensors, GgufQuantization quantization, int layerCount,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var sorted = tensors.OrderBy(t => t.Shape.Name, Comparer<string>.Create(CompareTensorNames)).ToList();
        var choices = GgufTensorTypeRules.Choose([.. sorted.Select(t => t.Shape)], quantization, layerCount);
        var writer = new GgufWriter();
        foreach (var (key, value) in metadata)
            if (key is not (QuantizationVersionKey or FileTypeKey)) writer.Set(key, value);
        writer.Set(QuantizationVersionKey, GgufValue.UInt32(QuantizationVersion));
        writer.Set(FileTypeKey, GgufValue.UInt32(quantization.FileType));

        var warnings = new List<string>();
        long bytesIn = 0, bytesOut = 0;
        for (int i = 0; i < sorted.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var shape = sorted[i].Shape;
            ReadOnlySpan<byte> source = sorted[i].Bytes();
            var target = choices[i].Target;
            if (choices[i].Fallback is { } why) warnings.Add(why);
            if (IsBlockQuantized(shape.Type) && shape.Type != target)
                warnings.Add($"{shape.Name}: requantized from {shape.Type} to {target} (quality is lost twice)");
            byte[] data = shape.Type == target ? source.ToArray() : Convert(shape, source, target);
            writer.AddTensor(shape.Name, target, shape.Dimensions, data);
            bytesIn += source.Length;
            bytesOut += data.Length;
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"[{i + 1}/{sorted.Count}] {shape.Name} {shape.Type} -> {target}"));
        }
        return (writer, new GgufQuantizeResult(choices, warnings, bytesIn, bytesOut));
    }

    /// <summary>
    /// llama.cpp's loader order (weight_name_comparer): by the layer number of "blk.N." (tensors outside the blocks
    /// count as layer −1, so they come first), then by name, byte-wise.
    /// </summary>
    public static int CompareTensorNames(string a, string b)
    {
        int byLayer = LayerOf(a).CompareTo(LayerOf(b));
        return byLayer != 0 ? byLayer : string.CompareOrdinal(a, b);
    }

    /// <summary><c>{arch}.block_count</c>, or the number of distinct "blk.N." layers when the key is absent.</summary>
    public static int LayerCount(GgufFile file)
    {
        if (file.TryGetString("general.architecture", out string arch) && file.TryGetUInt32($"{arch}.block_count", out uint blocks))
            return checked((int)blocks);
        return file.Tensors.Select(t => LayerOf(t.Name)).Where(l => l >= 0).Distinct().Count();
    }

    private static int LayerOf(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        int end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), NumberStyles.None, CultureInfo.InvariantCulture, out int layer) ? layer : -1;
    }

    private static bool IsBlockQuantized(GgmlType type) => type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16);

    /// <summary>Every row widened to float32 and written in <paramref name="target"/>, rows in parallel chunks.</summary>
    private static byte[] Convert(GgufTensorShape shape, ReadOnlySpan<byte> source, GgmlType target)
    {
        long columns = shape.Dimensions.Count == 0 ? 1 : shape.Dimensions[0];
        long elements = shape.Dimensions.Aggregate(1L, (a, b) => a * b);
        int rows = columns == 0 ? 0 : checked((int)(elements / columns));
        int inRow = checked((int)GgmlTypeTraits.RowBytes(shape.Type, columns));
        int outRow = checked((int)GgmlTypeTraits.RowBytes(target, columns));
        if (source.Length != (long)inRow * rows)
            throw LoomException.Shape("quantize", $"tensor '{shape.Name}': {shape.Type} [{string.Join(", ", shape.Dimensions)}] takes {(long)inRow * rows} bytes, found {source.Length}");
        byte[] input = source.ToArray();
        var output = new byte[checked((long)outRow * rows)];
        const int RowsPerChunk = 16;
        int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        WorkerPool.Shared.For(chunks, chunk =>
        {
            float[] values = ArrayPool<float>.Shared.Rent((int)columns);
            try
            {
                var row = values.AsSpan(0, (int)columns);
                int end = Math.Min(rows, (chunk + 1) * RowsPerChunk);
                for (int r = chunk * RowsPerChunk; r < end; r++)
                {
                    Dequantize.Row(shape.Type, input.AsSpan(r * inRow, inRow), row);
                    Quantize.Row(target, row, output.AsSpan(r * outRow, outRow));
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(values);
            }
        });
        return output;
    }
}
