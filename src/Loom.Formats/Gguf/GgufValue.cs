using System.Globalization;
using Loom.Core;

namespace Loom.Formats.Gguf;

/// <summary>
/// One GGUF metadata value: its type tag and the boxed .NET value (byte, sbyte, ushort, short, uint, int, float,
/// bool, string, ulong, long, double, or a <see cref="GgufArray"/>). Build values with the typed factories.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, object value)
    {
        Type = type;
        Value = value;
    }

    public GgufValueType Type { get; }
    public object Value { get; }

    public static GgufValue UInt8(byte v) => new(GgufValueType.UInt8, v);
    public static GgufValue Int8(sbyte v) => new(GgufValueType.Int8, v);
    public static GgufValue UInt16(ushort v) => new(GgufValueType.UInt16, v);
    public static GgufValue Int16(short v) => new(GgufValueType.Int16, v);
    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue String(string v) => new(GgufValueType.String, v ?? throw new ArgumentNullException(nameof(v)));
    public static GgufValue UInt64(ulong v) => new(GgufValueType.UInt64, v);
    public static GgufValue Int64(long v) => new(GgufValueType.Int64, v);
    public static GgufValue Float64(double v) => new(GgufValueType.Float64, v);
    public static GgufValue Array(GgufArray v) => new(GgufValueType.Array, v ?? throw new ArgumentNullException(nameof(v)));

    /// <summary>An array value of <paramref name="items"/>, whose .NET element type decides the GGUF element type.</summary>
    public static GgufValue Array<T>(T[] items) => Array(GgufArray.Of(items));

    /// <summary>A short human rendering: scalars as themselves, strings quoted, arrays as type[count] and the first items.</summary>
    public override string ToString() => Value switch
    {
        string s => $"\"{(s.Length > 80 ? s[..80] + "…" : s)}\"",
        GgufArray a => a.ToString(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };

    /// <summary>The .NET type that holds values of a scalar GGUF type (GgufArray for arrays).</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.Array => typeof(GgufArray),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw LoomException.Argument($"GGUF value type id {(uint)type} is not one of 0–12"),
    };

    /// <summary>The GGUF type of a .NET element type (the inverse of <see cref="ClrType"/>).</summary>
    public static GgufValueType TypeOf(Type clr)
    {
        foreach (GgufValueType t in Enum.GetValues<GgufValueType>())
            if (ClrType(t) == clr) return t;
        throw LoomException.Argument($"GGUF has no value type for .NET type {clr.Name}");
    }
}
