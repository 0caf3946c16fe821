using Loom.Core;

namespace Loom.Formats.Gguf;

// Typed metadata accessors. Get* throws when the key is missing or holds another type (naming the key, the
// expected and the found type); TryGet* returns false only when the key is missing — a key of the wrong type is
// a malformed file and still throws.
public sealed partial class GgufFile
{
    public bool ContainsKey(string key) => _byKey.ContainsKey(key);

    public GgufValue GetValue(string key) =>
        _byKey.TryGetValue(key, out var v)
            ? v
            : throw new LoomException(LoomErrorCode.InvalidFormat, $"{System.IO.Path.GetFileName(Path)}: metadata key '{key}' is missing");

    public string GetString(string key) => Get<string>(key, GgufValueType.String);
    public bool GetBool(string key) => Get<bool>(key, GgufValueType.Bool);
    public byte GetUInt8(string key) => Get<byte>(key, GgufValueType.UInt8);
    public sbyte GetInt8(string key) => Get<sbyte>(key, GgufValueType.Int8);
    public ushort GetUInt16(string key) => Get<ushort>(key, GgufValueType.UInt16);
    public short GetInt16(string key) => Get<short>(key, GgufValueType.Int16);
    public uint GetUInt32(string key) => Get<uint>(key, GgufValueType.UInt32);
    public int GetInt32(string key) => Get<int>(key, GgufValueType.Int32);
    public ulong GetUInt64(string key) => Get<ulong>(key, GgufValueType.UInt64);
    public long GetInt64(string key) => Get<long>(key, GgufValueType.Int64);
    public float GetFloat32(string key) => Get<float>(key, GgufValueType.Float32);
    public double GetFloat64(string key) => Get<double>(key, GgufValueType.Float64);

    public bool TryGetString(string key, out string value) => TryGet(key, GgufValueType.String, out value!);
    public bool TryGetBool(string key, out bool value) => TryGet(key, GgufValueType.Bool, out value);
    public bool TryGetUInt32(string key, out uint value) => TryGet(key, GgufValueType.UInt32, out value);
    public bool TryGetInt32(string key, out int value) => TryGet(key, GgufValueType.Int32, out value);
    public bool TryGetUInt64(string key, out ulong value) => TryGet(key, GgufValueType.UInt64, out value);
    public bool TryGetFloat32(string key, out float value) => TryGet(key, GgufValueType.Float32, out value);

    /// <summary>An array's items as T[] (T = byte, int, float, string, GgufArray for nested arrays, …); the element type
    /// must match exactly.</summary>
    public T[] GetArray<T>(string key) => ArrayItems<T>(key, GetValue(key));

    public bool TryGetArray<T>(string key, out T[] items)
    {
        items = _byKey.TryGetValue(key, out var v) ? ArrayItems<T>(key, v) : null!;
        return items is not null;
    }

    /// <summary>How many items the array holds, without reading them (T as in <see cref="TryGetArray{T}"/>, checked
    /// the same way).</summary>
    public bool TryGetArrayLength<T>(string key, out int length)
    {
        length = _byKey.TryGetValue(key, out var v) ? TypedArray<T>(key, v).Count : -1;
        return length >= 0;
    }

    /// <summary>Calls <paramref name="action"/> with each item of a string array, in order, as the strings
    /// <see cref="GetArray{T}"/> would give, but decoded from the map into a reused buffer: no string is created.
    /// False when the key is missing; a key of another type throws.</summary>
    public bool TryForEachString(string key, GgufStringAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!_byKey.TryGetValue(key, out var v)) return false;
        TypedArray<string>(key, v).ForEachString(action);
        return true;
    }

    private T[] ArrayItems<T>(string key, GgufValue v) => (T[])TypedArray<T>(key, v).Items;

    private GgufArray TypedArray<T>(string key, GgufValue v)
    {
        var expected = GgufValue.TypeOf(typeof(T));
        if (v.Value is not GgufArray array)
            throw WrongType(key, $"array of {expected}", v.Type.ToString());
        return array.ElementType == expected || SameSizeIntegers(array.ElementType, expected)
            ? array
            : throw WrongType(key, $"array of {expected}", $"array of {array.ElementType}");
    }

    // The CLR lets an int[] pass as a uint[] (and so on for each size), which this accessor has always allowed.
    private static bool SameSizeIntegers(GgufValueType a, GgufValueType b) =>
        (a, b) is (GgufValueType.UInt8, GgufValueType.Int8) or (GgufValueType.Int8, GgufValueType.UInt8)
            or (GgufValueType.UInt16, GgufValueType.Int16) or (GgufValueType.Int16, GgufValueType.UInt16)
            or (GgufValueType.UInt32, GgufValueType.Int32) or (GgufValueType.Int32, GgufValueType.UInt32)
            or (GgufValueType.UInt64, GgufValueType.Int64) or (GgufValueType.Int64, GgufValueType.UInt64);

    private T Get<T>(string key, GgufValueType expected)
    {
        var v = GetValue(key);
        return v.Type == expected ? (T)v.Value : throw WrongType(key, expected.ToString(), v.Type.ToString());
    }

    private bool TryGet<T>(string key, GgufValueType expected, out T value)
    {
        value = default!;
        if (!_byKey.ContainsKey(key)) return false;
        value = Get<T>(key, expected);
        return true;
    }

    private LoomException WrongType(string key, string expected, string found) =>
        new(LoomErrorCode.InvalidFormat, $"{System.IO.Path.GetFileName(Path)}: metadata '{key}': expected {expected}, found {found}");
}
