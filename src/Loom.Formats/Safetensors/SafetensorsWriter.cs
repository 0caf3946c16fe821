using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Formats;

/// <summary>
/// Writes the Hugging Face layout: u64 LE header length, the JSON header padded with spaces so the data buffer
/// starts 8-byte aligned, then every tensor's bytes back to back in name order.
/// </summary>
internal static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 14;

    /// <summary>Checks names and shapes before anything touches the disk.</summary>
    public static List<NamedTensor> Validate(IReadOnlyList<NamedTensor> tensors, string file)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (string.IsNullOrEmpty(t.Name))
                throw LoomException.Argument($"{file}: every tensor needs a non-empty name");
            if (t.Name == SafetensorsHeaderReader.MetadataKey)
                throw LoomException.Argument($"{file}: '{t.Name}' is reserved for the metadata and cannot name a tensor");
            if (!names.Add(t.Name))
                throw LoomException.Argument($"{file}: duplicate tensor name '{t.Name}'");
            if (t.Shape.Any(d => d < 0) || SafetensorsHeaderReader.ElementCount(t.Shape) != t.Data.Length)
                throw LoomException.Shape("safetensors save",
                    $"tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] but {t.Data.Length} values");
        }
        return tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    public static void Write(Stream stream, List<NamedTensor> sorted, SafetensorsDType dtype,
        IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = Header(sorted, dtype, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var t in sorted) WriteData(stream, t.Data, dtype);
    }

    private static byte[] Header(List<NamedTensor> sorted, SafetensorsDType dtype, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeaderReader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in sorted)
            {
                long bytes = (long)t.Data.Length * SafetensorsDTypes.Size(dtype);
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", dtype.ToString());
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8; // 8 + header is then a multiple of 8, as Hugging Face pads
        var header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(Stream stream, float[] data, SafetensorsDType dtype)
    {
        if (dtype == SafetensorsDType.F32)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan())); // little-endian host, checked by Safetensors
            return;
        }
        var chunk = ArrayPool<ushort>.Shared.Rent(ChunkElements);
        try
        {
            for (int start = 0; start < data.Length; start += ChunkElements)
            {
                int n = Math.Min(ChunkElements, data.Length - start);
                ReadOnlySpan<float> source = data.AsSpan(start, n);
                if (dtype == SafetensorsDType.F16) HalfConversion.ToHalf(source, MemoryMarshal.Cast<ushort, Half>(chunk.AsSpan(0, n)));
                else BFloat16Conversion.ToBFloat16(source, chunk.AsSpan(0, n));
                stream.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(chunk);
        }
    }
}
