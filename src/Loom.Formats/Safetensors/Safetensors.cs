using System.Buffers;
using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Formats;

/// <summary>
/// Hugging Face safetensors files: save float32 tensors as F32, F16 or BF16 (written atomically: a crash never
/// leaves a half-written file), load F32/F16/BF16 tensors back as float32, or read just the header.
/// </summary>
public static class Safetensors
{
    private const int ChunkElements = 1 << 14;

    /// <summary>Writes tensors (stored sorted by name, for stable output) and optional string metadata.</summary>
    public static void Save(string path, IReadOnlyList<NamedTensor> tensors, SafetensorsDType dtype = SafetensorsDType.F32,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        RequireLittleEndian();
        var sorted = SafetensorsWriter.Validate(tensors, path);
        AtomicFile.Write(path, stream => SafetensorsWriter.Write(stream, sorted, dtype, metadata));
    }

    /// <summary>Every tensor, converted to float32, in file order, with the file's metadata.</summary>
    public static SafetensorsFile Load(string path)
    {
        RequireLittleEndian();
        using var stream = OpenRead(path);
        var header = SafetensorsHeaderReader.Read(stream, path);
        var tensors = new List<NamedTensor>(header.Tensors.Count);
        foreach (var info in header.Tensors)
        {
            if (info.ElementCount > Array.MaxLength)
                throw new LoomException(LoomErrorCode.NotSupported,
                    $"{path}: tensor '{info.Name}' has {info.ElementCount} elements, more than one float32 array can hold");
            var data = new float[info.ElementCount];
            stream.Position = header.DataStart + info.Begin;
            ReadData(stream, info.DType, data, path);
            tensors.Add(new NamedTensor(info.Name, info.Shape, data));
        }
        return new SafetensorsFile(tensors, header.Metadata);
    }

    /// <summary>Names, dtypes, shapes and offsets of every tensor, and the metadata, without reading the data.</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return SafetensorsHeaderReader.Read(stream, path);
    }

    private static void ReadData(Stream stream, SafetensorsDType dtype, float[] data, string path)
    {
        try
        {
            if (dtype == SafetensorsDType.F32)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                return;
            }
            var chunk = ArrayPool<ushort>.Shared.Rent(ChunkElements);
            try
            {
                for (int start = 0; start < data.Length; start += ChunkElements)
                {
                    int n = Math.Min(ChunkElements, data.Length - start);
                    Span<ushort> raw = chunk.AsSpan(0, n);
                    stream.ReadExactly(MemoryMarshal.AsBytes(raw));
                    if (dtype == SafetensorsDType.F16) HalfConversion.ToSingle(MemoryMarshal.Cast<ushort, Half>(raw), data.AsSpan(start, n));
                    else BFloat16Conversion.ToSingle(raw, data.AsSpan(start, n));
                }
            }
            finally
            {
                ArrayPool<ushort>.Shared.Return(chunk);
            }
        }
        catch (EndOfStreamException)
        {
            throw LoomException.Format(path, "the file ended inside a tensor's data (was it changed while being read?)");
        }
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: file not found", e);
        }
    }

    // The data buffer is little-endian; Loom reinterprets it in place rather than byte-swapping.
    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new LoomException(LoomErrorCode.NotSupported, "safetensors: Loom reads and writes it on little-endian machines only");
    }
}
