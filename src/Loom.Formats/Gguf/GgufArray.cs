using System.Globalization;

namespace Loom.Formats.Gguf;

/// <summary>
/// A GGUF array: one element type and its items as a typed .NET array (byte[], uint[], string[], …; nested arrays
/// as GgufArray[]).
/// </summary>
public sealed class GgufArray
{
    private GgufArray(GgufValueType elementType, System.Array items)
    {
        ElementType = elementType;
        Items = items;
    }

    public GgufValueType ElementType { get; }
    public System.Array Items { get; }
    public int Count => Items.Length;

    public static GgufArray Of<T>(T[] items) =>
        new(GgufValue.TypeOf(typeof(T)), items ?? throw new ArgumentNullException(nameof(items)));

    public override string ToString()
    {
        var first = Items.Cast<object>().Take(5).Select(o => o switch
        {
            string s => $"\"{(s.Length > 24 ? s[..24] + "…" : s)}\"",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => o.ToString(),
        });
        return $"{ElementType.ToString().ToLowerInvariant()}[{Count}] [{string.Join(", ", first)}{(Count > 5 ? ", …" : "")}]";
    }
}
