using System.Text;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Formats.Gguf;

/// <summary>
/// Builds a GGUF file (version 3, little-endian): metadata in the order it was set, then tensor infos, then the
/// tensor data, each tensor starting at a multiple of the alignment (<c>general.alignment</c> when set, else 32)
/// and zero-padded to it, as ggml lays files out. <see cref="Write"/> replaces the target atomically.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<(string Name, GgmlType Type, long[] Dims, ReadOnlyMemory<byte> Data)> _tensors = [];

    /// <summary>Sets a metadata entry: a new key goes last, an existing key keeps its place and takes the new value.</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int i = _metadata.FindIndex(kv => kv.Key == key);
        if (i >= 0) _metadata[i] = new(key, value);
        else _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Adds a tensor; <paramref name="dims"/> in ggml order (ne0 innermost); the bytes must be exactly the
    /// size its type and shape take.</summary>
    public GgufWriter AddTensor(string name, GgmlType type, IReadOnlyList<long> dims, ReadOnlyMemory<byte> data)
    {
        if (dims.Count > GgufHeaderReader.MaxDimensions)
            throw LoomException.Shape("gguf write", $"tensor '{name}': at most {GgufHeaderReader.MaxDimensions} dimensions, found {dims.Count}");
        if (_tensors.Any(t => t.Name == name))
            throw LoomException.Argument($"gguf write: tensor '{name}' added twice");
        long elements = dims.Aggregate(1L, (a, b) => checked(a * b));
        long rowLength = dims.Count == 0 ? 1 : dims[0];
        long expected = GgmlTypeTraits.RowBytes(type, rowLength) * (rowLength == 0 ? 0 : elements / rowLength);
        if (data.Length != expected)
            throw LoomException.Shape("gguf write", $"tensor '{name}': {type} [{string.Join(", ", dims)}] takes {expected} bytes, found {data.Length}");
        _tensors.Add((name, type, dims.ToArray(), data));
        return this;
    }

    public void Write(string path) => AtomicFile.Write(path, WriteTo);

    public void WriteTo(Stream stream)
    {
        uint alignment = Alignment();
        // The header goes through a memory buffer first: its length decides the padding before the data section.
        var header = new MemoryStream();
        using var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufHeaderReader.Magic);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value.Value);
        }
        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (long d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset += GgufHeaderReader.AlignUp(t.Data.Length, alignment);
        }
        w.Flush();
        Pad(header, GgufHeaderReader.AlignUp(header.Length, alignment) - header.Length);
        header.WriteTo(stream);
        foreach (var t in _tensors)
        {
            stream.Write(t.Data.Span);
            Pad(stream, GgufHeaderReader.AlignUp(t.Data.Length, alignment) - t.Data.Length);
        }
    }

    private uint Alignment()
    {
        var entry = _metadata.FirstOrDefault(kv => kv.Key == "general.alignment");
        if (entry.Value is null) return GgufHeaderReader.DefaultAlignment;
        if (entry.Value.Value is uint a && a != 0 && (a & (a - 1)) == 0) return a;
        throw LoomException.Argument($"gguf write: 'general.alignment' must be a uint32 power of two, found {entry.Value.Type} {entry.Value}");
    }

    private static void Pad(Stream stream, long count) => stream.Write(new byte[count]);

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case byte v: w.Write(v); break;
            case sbyte v: w.Write(v); break;
            case ushort v: w.Write(v); break;
            case short v: w.Write(v); break;
            case uint v: w.Write(v); break;
            case int v: w.Write(v); break;
            case float v: w.Write(v); break;
            case bool v: w.Write((byte)(v ? 1 : 0)); break;
            case string v: WriteString(w, v); break;
            case ulong v: w.Write(v); break;
            case long v: w.Write(v); break;
            case double v: w.Write(v); break;
            case GgufArray a:
                w.Write((uint)a.ElementType);
                w.Write((ulong)a.Count);
                foreach (object item in a.Items) WriteValue(w, item);
                break;
            default: throw new LoomException(LoomErrorCode.Internal, $"gguf write: no encoding for {value.GetType().Name}");
        }
    }
}
