using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Formats.Gguf;

/// <summary>Parses a GGUF header (magic, version, metadata, tensor infos) and validates the tensor layout.</summary>
internal static class GgufHeaderReader
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint DefaultAlignment = 32;
    public const int MaxDimensions = 4; // GGML_MAX_DIMS
    private const int MaxArrayDepth = 16;

    public sealed record Header(
        uint Version,
        IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata,
        IReadOnlyList<GgufTensorInfo> Tensors,
        uint Alignment,
        long DataStart);

    public static Header Read(GgufCursor c)
    {
        uint magic = c.Read<uint>("the magic");
        if (magic != Magic)
            throw c.Error($"not a GGUF file: expected the magic \"GGUF\" (47 47 55 46), found {magic & 0xFF:X2} {(magic >> 8) & 0xFF:X2} {(magic >> 16) & 0xFF:X2} {magic >> 24:X2}");
        uint version = c.Read<uint>("the version");
        if (version == 1)
            throw new LoomException(LoomErrorCode.NotSupported, $"{c.File}: GGUF version 1 is not supported (its 32-bit counts predate llama.cpp's current format); convert it with a newer tool. Supported: 2, 3");
        if (version is not (2 or 3))
            throw c.Error($"GGUF version {version} is not supported; expected 2 or 3 (a version this large may also mean a big-endian file)");

        long tensorCount = c.ReadCount("the tensor count", 24);
        long kvCount = c.ReadCount("the metadata entry count", 13);

        var metadata = new List<KeyValuePair<string, GgufValue>>((int)Math.Min(kvCount, 4096));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            string key = c.ReadString($"metadata entry {i}: key", strict: true);
            if (!keys.Add(key)) throw c.Error($"metadata key '{key}' appears twice");
            var type = ReadType(c, $"metadata '{key}': value type");
            metadata.Add(new(key, ReadValue(c, type, key, 0)));
        }

        uint alignment = Alignment(c, metadata);
        var raw = new List<(string Name, long[] Dims, GgmlType Type, long Offset)>((int)Math.Min(tensorCount, 65536));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            string name = c.ReadString($"tensor {i}: name", strict: true);
            if (!names.Add(name)) throw c.Error($"tensor '{name}' appears twice");
            uint nDims = c.Read<uint>($"tensor '{name}': dimension count");
            if (nDims > MaxDimensions) throw c.Error($"tensor '{name}': expected at most {MaxDimensions} dimensions, found {nDims}");
            var dims = new long[nDims];
            for (int d = 0; d < nDims; d++)
            {
                ulong ne = c.Read<ulong>($"tensor '{name}': dimension {d}");
                if (ne > long.MaxValue) throw c.Error($"tensor '{name}': dimension {d} is {ne}, past the int64 range");
                dims[d] = (long)ne;
            }
            uint typeId = c.Read<uint>($"tensor '{name}': type");
            if (!GgmlTypeTraits.IsKnown(typeId))
                throw c.Error($"tensor '{name}': unknown ggml type id {typeId}");
            long offset = c.Read<long>($"tensor '{name}': offset");
            raw.Add((name, dims, (GgmlType)typeId, offset));
        }

        long dataStart = AlignUp(c.Position, alignment);
        if (raw.Count > 0 && dataStart > c.Length)
            throw c.Error($"truncated: the data section should start at offset {dataStart}, but the file ends at {c.Length}");
        var tensors = raw.Select(t => Validate(c, t.Name, t.Dims, t.Type, t.Offset, dataStart, alignment)).ToList();
        CheckNoOverlap(c, tensors);
        return new Header(version, metadata, tensors, alignment, dataStart);
    }

    /// <summary>Two tensors sharing bytes would alias each other's weights: a corrupt (or hostile) layout.</summary>
    private static void CheckNoOverlap(GgufCursor c, List<GgufTensorInfo> tensors)
    {
        GgufTensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.ByteSize > 0).OrderBy(t => t.Offset))
        {
            if (previous is not null && t.Offset < previous.Offset + previous.ByteSize)
                throw c.Error($"tensor '{t.Name}' at data offset {t.Offset} overlaps tensor '{previous.Name}' ({previous.ByteSize} bytes at {previous.Offset})");
            previous = t;
        }
    }

    public static long AlignUp(long position, uint alignment) => (position + alignment - 1) / alignment * alignment;

    private static GgufTensorInfo Validate(GgufCursor c, string name, long[] dims, GgmlType type, long offset, long dataStart, uint alignment)
    {
        long elements = 1;
        foreach (long ne in dims)
        {
            if (ne != 0 && elements > long.MaxValue / ne)
                throw c.Error($"tensor '{name}': shape [{string.Join(", ", dims)}] has more than 2^63 elements");
            elements *= ne;
        }
        int blockSize = GgmlTypeTraits.BlockSize(type);
        long rowLength = dims.Length == 0 ? 1 : dims[0];
        if (rowLength % blockSize != 0)
            throw c.Error($"tensor '{name}': a {type} row (ne0) must be a multiple of {blockSize} elements, found {rowLength}");
        long blocks = elements / blockSize;
        int typeSize = GgmlTypeTraits.TypeSize(type);
        if (blocks > long.MaxValue / typeSize) // the element count fits in int64 but its bytes would not (e.g. 2^62 F32 values)
            throw c.Error($"tensor '{name}': {type} [{string.Join(", ", dims)}] would take more than 2^63 bytes");
        long size = blocks * typeSize;
        if (offset < 0 || offset % alignment != 0)
            throw c.Error($"tensor '{name}': its offset must be a non-negative multiple of the alignment {alignment}, found {offset}");
        long available = c.Length - dataStart;
        if (offset > available || size > available - offset)
            throw c.Error($"tensor '{name}': {type} [{string.Join(", ", dims)}] needs {size} bytes at data offset {offset} (file offset {dataStart + offset}), but the file has {Math.Max(0, available - offset)} bytes there (file length {c.Length})");
        return new GgufTensorInfo(name, dims, type, offset, dataStart + offset, size);
    }

    private static uint Alignment(GgufCursor c, List<KeyValuePair<string, GgufValue>> metadata)
    {
        var entry = metadata.FirstOrDefault(kv => kv.Key == "general.alignment");
        if (entry.Value is null) return DefaultAlignment;
        if (entry.Value.Value is not uint a)
            throw c.Error($"metadata 'general.alignment': expected uint32, found {entry.Value.Type}");
        if (a == 0 || (a & (a - 1)) != 0)
            throw c.Error($"metadata 'general.alignment': expected a power of two, found {a}");
        return a;
    }

    private static GgufValueType ReadType(GgufCursor c, string what)
    {
        uint id = c.Read<uint>(what);
        if (id > (uint)GgufValueType.Float64) throw c.Error($"{what}: unknown GGUF value type id {id} (expected 0–12)");
        return (GgufValueType)id;
    }

    private static GgufValue ReadValue(GgufCursor c, GgufValueType type, string key, int depth) => type switch
    {
        GgufValueType.UInt8 => GgufValue.UInt8(c.Read<byte>(key)),
        GgufValueType.Int8 => GgufValue.Int8(c.Read<sbyte>(key)),
        GgufValueType.UInt16 => GgufValue.UInt16(c.Read<ushort>(key)),
        GgufValueType.Int16 => GgufValue.Int16(c.Read<short>(key)),
        GgufValueType.UInt32 => GgufValue.UInt32(c.Read<uint>(key)),
        GgufValueType.Int32 => GgufValue.Int32(c.Read<int>(key)),
        GgufValueType.Float32 => GgufValue.Float32(c.Read<float>(key)),
        GgufValueType.Bool => GgufValue.Bool(ReadBool(c, key)),
        GgufValueType.String => GgufValue.String(c.ReadString($"metadata '{key}'", strict: false)),
        GgufValueType.UInt64 => GgufValue.UInt64(c.Read<ulong>(key)),
        GgufValueType.Int64 => GgufValue.Int64(c.Read<long>(key)),
        GgufValueType.Float64 => GgufValue.Float64(c.Read<double>(key)),
        GgufValueType.Array => GgufValue.Array(ReadArray(c, key, depth)),
        _ => throw c.Error($"metadata '{key}': unknown value type {type}"),
    };

    private static bool ReadBool(GgufCursor c, string key)
    {
        byte b = c.Read<byte>(key);
        return b <= 1 ? b == 1 : throw c.Error($"metadata '{key}': a bool must be 0 or 1, found {b}");
    }

    private static GgufArray ReadArray(GgufCursor c, string key, int depth)
    {
        if (depth >= MaxArrayDepth) throw c.Error($"metadata '{key}': arrays nested deeper than {MaxArrayDepth} levels");
        var elementType = ReadType(c, $"metadata '{key}': array element type");
        long minBytes = elementType switch
        {
            GgufValueType.String => 8,
            GgufValueType.Array => 12,
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            _ => 8,
        };
        int n = checked((int)c.ReadCount($"metadata '{key}': array length", minBytes));
        string item = $"metadata '{key}': array item";
        if (depth == 0 && elementType is not (GgufValueType.Bool or GgufValueType.Array))
            return Lazy(c, elementType, n, minBytes, item);
        return elementType switch
        {
            GgufValueType.UInt8 => GgufArray.Of(Fill(n, () => c.Read<byte>(key))),
            GgufValueType.Int8 => GgufArray.Of(Fill(n, () => c.Read<sbyte>(key))),
            GgufValueType.UInt16 => GgufArray.Of(Fill(n, () => c.Read<ushort>(key))),
            GgufValueType.Int16 => GgufArray.Of(Fill(n, () => c.Read<short>(key))),
            GgufValueType.UInt32 => GgufArray.Of(Fill(n, () => c.Read<uint>(key))),
            GgufValueType.Int32 => GgufArray.Of(Fill(n, () => c.Read<int>(key))),
            GgufValueType.Float32 => GgufArray.Of(Fill(n, () => c.Read<float>(key))),
            GgufValueType.Bool => GgufArray.Of(Fill(n, () => ReadBool(c, key))),
            GgufValueType.String => GgufArray.Of(Fill(n, () => c.ReadString(item, strict: false))),
            GgufValueType.UInt64 => GgufArray.Of(Fill(n, () => c.Read<ulong>(key))),
            GgufValueType.Int64 => GgufArray.Of(Fill(n, () => c.Read<long>(key))),
            GgufValueType.Float64 => GgufArray.Of(Fill(n, () => c.Read<double>(key))),
            _ => GgufArray.Of(Fill(n, () => ReadArray(c, key, depth + 1))),
        };
    }

    /// <summary>A top-level array left in the map (<see cref="GgufArray"/> reads it on first use): numbers are skipped
    /// (the count was checked against the bytes left), strings walked so every length is checked now.</summary>
    private static GgufArray Lazy(GgufCursor c, GgufValueType elementType, int n, long itemBytes, string item)
    {
        long offset = c.Position;
        if (elementType == GgufValueType.String)
            for (int i = 0; i < n; i++) c.ReadStringBytes(item);
        else
            c.Skip(n * itemBytes, item);
        return new GgufArray(elementType, n, c.Mapping, offset, c.Position - offset);
    }

    private static T[] Fill<T>(int n, Func<T> read)
    {
        var items = new T[n];
        for (int i = 0; i < n; i++) items[i] = read();
        return items;
    }
}
