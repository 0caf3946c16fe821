using System.IO.MemoryMappedFiles;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Formats.Gguf;

/// <summary>
/// An open GGUF file (versions 2 and 3): metadata in file order with typed accessors, the tensor table, and each
/// tensor's bytes straight from a read-only memory map (no copy; disposing unmaps, after which spans handed out
/// earlier must not be used).
/// </summary>
public sealed unsafe partial class GgufFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;
    private readonly GgufMapping _mapping;
    private readonly Dictionary<string, GgufValue> _byKey;
    private readonly Dictionary<string, GgufTensorInfo> _byName;

    private GgufFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start)
    {
        Path = path;
        FileLength = length;
        _map = map;
        _view = view;
        _base = start;
        _mapping = new GgufMapping(start, length, System.IO.Path.GetFileName(path));
        var header = GgufHeaderReader.Read(new GgufCursor(_mapping));
        Version = header.Version;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        Alignment = header.Alignment;
        DataStart = header.DataStart;
        _byKey = Metadata.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        _byName = Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }
    public long FileLength { get; }
    public uint Version { get; }
    /// <summary>Every metadata entry, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }
    /// <summary>Every tensor, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    /// <summary><c>general.alignment</c>, or 32 when absent.</summary>
    public uint Alignment { get; }
    /// <summary>Absolute file offset of the data section (tensor offsets are relative to it).</summary>
    public long DataStart { get; }

    /// <summary>Opens and validates <paramref name="path"/>; errors name the file and what was wrong where.</summary>
    public static GgufFile Open(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        if (!File.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: no such GGUF file");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 24) // magic, version and the two counts
        {
            stream.Dispose();
            throw LoomException.Format(name, $"truncated: a GGUF header takes at least 24 bytes, the file has {length}");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* start = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            return new GgufFile(System.IO.Path.GetFullPath(path), length, map, view, start + view.PointerOffset);
        }
        catch
        {
            if (start != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is null) stream.Dispose();
            map?.Dispose();
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>; a LoomException naming it when there is none.</summary>
    public GgufTensorInfo GetTensor(string name) =>
        _byName.TryGetValue(name, out var t)
            ? t
            : throw LoomException.Argument($"{System.IO.Path.GetFileName(Path)}: no tensor named '{name}' (the file has {Tensors.Count} tensors)");

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The tensor's raw bytes in the mapped file (valid until the file is disposed).</summary>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        if (tensor.ByteSize > int.MaxValue)
            throw new LoomException(LoomErrorCode.NotSupported, $"tensor '{tensor.Name}': {tensor.ByteSize} bytes exceed the 2 GB a span can address");
        return new ReadOnlySpan<byte>(_base + tensor.DataOffset, (int)tensor.ByteSize);
    }

    public ReadOnlySpan<byte> GetTensorBytes(string name) => GetTensorBytes(GetTensor(name));

    /// <summary>The whole tensor widened to float32 (a copy), for any type <see cref="Dequantize"/> supports.</summary>
    public float[] ReadTensorAsFloat32(string name)
    {
        var tensor = GetTensor(name);
        var result = new float[checked((int)tensor.ElementCount)];
        Dequantize.Row(tensor.Type, GetTensorBytes(tensor), result);
        return result;
    }

    public void Dispose()
    {
        if (_base == null) return;
        foreach (var entry in Metadata)
            if (entry.Value.Value is GgufArray array) array.DetachFromMap();
        _base = null;
        _mapping.Unmap();
        _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }
}
