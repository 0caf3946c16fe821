using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Loom.Core;

namespace Loom.Formats;

/// <summary>
/// Reads and validates a safetensors header: u64 little-endian length N, N bytes of JSON, then the data buffer.
/// Every check Hugging Face's reader makes is made here, each failing with a LoomException that names the file,
/// the tensor or field, what was expected and what was found.
/// </summary>
internal static class SafetensorsHeaderReader
{
    /// <summary>Hugging Face's own limit; a larger length means the file is not safetensors or is corrupt.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    public static SafetensorsHeader Read(Stream stream, string file)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw LoomException.Format(file, $"the file is {fileLength} bytes; a safetensors file starts with an 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw LoomException.Format(file, $"header length {headerLength} bytes exceeds the {MaxHeaderBytes / 1_000_000} MB limit (not a safetensors file, or a corrupt one)");
        if (headerLength > (ulong)(fileLength - 8))
            throw LoomException.Format(file, $"header length {headerLength} bytes runs past the end of the file ({fileLength} bytes)");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, file, dataStart, fileLength - dataStart);
    }

    private static SafetensorsHeader Parse(byte[] json, string file, long dataStart, long bufferLength)
    {
        // JsonDocument checks structure but decodes strings lazily; check the encoding up front so a damaged byte
        // inside a name is a format error here rather than an InvalidOperationException later.
        if (!Utf8.IsValid(json))
            throw LoomException.Format(file, "the header is not valid UTF-8");
        try
        {
            return ParseDocument(json, file, dataStart, bufferLength);
        }
        catch (InvalidOperationException e) // e.g. an escaped lone surrogate ("\udc00") in a name
        {
            throw LoomException.Format(file, $"the header holds a string that cannot be decoded ({e.Message})");
        }
    }

    private static SafetensorsHeader ParseDocument(byte[] json, string file, long dataStart, long bufferLength)
    {
        using var document = ParseJson(json, file);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw LoomException.Format(file, $"the header must be a JSON object, found {root.ValueKind}");

        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
                throw LoomException.Format(file, $"the header names '{property.Name}' twice");
            if (property.Name == MetadataKey) ReadMetadata(property.Value, file, metadata);
            else tensors.Add(ReadTensor(property.Name, property.Value, file, bufferLength));
        }
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckContiguous(tensors, file, bufferLength);
        return new SafetensorsHeader(tensors, metadata, dataStart);
    }

    private static JsonDocument ParseJson(byte[] json, string file)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(file, $"the header is not valid JSON ({e.Message})");
        }
    }

    private static void ReadMetadata(JsonElement value, string file, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw LoomException.Format(file, $"'{MetadataKey}' must be an object of strings, found {value.ValueKind}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw LoomException.Format(file, $"'{MetadataKey}' value '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string name, JsonElement entry, string file, long bufferLength)
    {
        string where = $"tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object)
            throw LoomException.Format(file, $"{where}: expected an object with dtype, shape and data_offsets, found {entry.ValueKind}");

        var dtypeElement = Field(entry, "dtype", JsonValueKind.String, file, where);
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw LoomException.Format(file, $"{where} has dtype '{dtypeName}', which Loom does not read (supported: {SafetensorsDTypes.Supported})");

        int[] shape = Integers(Field(entry, "shape", JsonValueKind.Array, file, where), file, $"{where} shape", int.MaxValue)
            .Select(d => (int)d).ToArray();
        long[] offsets = Integers(Field(entry, "data_offsets", JsonValueKind.Array, file, where), file, $"{where} data_offsets", long.MaxValue);
        if (offsets.Length != 2)
            throw LoomException.Format(file, $"{where}: data_offsets must be [begin, end], found {offsets.Length} numbers");
        (long begin, long end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw LoomException.Format(file, $"{where}: data_offsets end {end} is before begin {begin}");
        if (end > bufferLength)
            throw LoomException.Format(file, $"{where}: data_offsets [{begin}, {end}] run past the data buffer ({bufferLength} bytes)");

        long? elements = ElementCount(shape);
        long expectedBytes = elements is { } count && count <= long.MaxValue / SafetensorsDTypes.Size(dtype)
            ? count * SafetensorsDTypes.Size(dtype)
            : -1;
        if (expectedBytes != end - begin)
            throw LoomException.Format(file,
                $"{where}: shape [{string.Join(", ", shape)}] of {dtypeName} needs {(expectedBytes < 0 ? "more than 2^63" : expectedBytes.ToString())} bytes, but data_offsets [{begin}, {end}] hold {end - begin}");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonElement Field(JsonElement entry, string field, JsonValueKind kind, string file, string where)
    {
        if (!entry.TryGetProperty(field, out var value))
            throw LoomException.Format(file, $"{where}: missing '{field}'");
        if (value.ValueKind != kind)
            throw LoomException.Format(file, $"{where}: '{field}' must be {(kind == JsonValueKind.Array ? "an array" : "a string")}, found {value.ValueKind}");
        return value;
    }

    private static long[] Integers(JsonElement array, string file, string what, long max)
    {
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0 || value > max)
                throw LoomException.Format(file, $"{what}: entry {i} must be an integer in 0..{max}, found {item.GetRawText()}");
            values[i++] = value;
        }
        return values;
    }

    /// <summary>Product of the dims, or null when it does not fit in a long.</summary>
    internal static long? ElementCount(IReadOnlyList<int> shape)
    {
        long product = 1;
        foreach (int dim in shape)
        {
            if (dim != 0 && product > long.MaxValue / dim) return null;
            product *= dim;
        }
        return product;
    }

    // As Hugging Face: sorted by offset, each tensor begins where the previous one ended and the last ends at the
    // end of the file, so no byte is shared by two tensors or owned by none.
    private static void CheckContiguous(List<SafetensorsTensorInfo> tensors, string file, long bufferLength)
    {
        long position = 0;
        string previous = "the start of the data buffer";
        foreach (var t in tensors)
        {
            if (t.Begin < position)
                throw LoomException.Format(file, $"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps {previous}, which ends at {position}");
            if (t.Begin > position)
                throw LoomException.Format(file, $"tensor '{t.Name}' begins at byte {t.Begin}, leaving a gap after {previous} (which ends at {position})");
            position = t.End;
            previous = $"tensor '{t.Name}'";
        }
        if (position != bufferLength)
            throw LoomException.Format(file, $"the data buffer is {bufferLength} bytes but its tensors cover {position}: {bufferLength - position} trailing bytes");
    }
}
