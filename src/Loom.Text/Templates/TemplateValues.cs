using System.Collections;
using System.Globalization;
using System.Text;

namespace Loom.Text.Templates;

/// <summary>Jinja's default Undefined: renders as nothing, is falsy, iterates as empty.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();
    private Undefined() { }
    public override string ToString() => "";
}

/// <summary>A Python tuple: a list that prints with parentheses (what <c>dict.items()</c> yields and
/// <c>(a, b)</c> builds).</summary>
internal sealed class TemplateTuple : List<object?>
{
    public TemplateTuple(IEnumerable<object?> items) : base(items) { }
}

/// <summary>The object <c>namespace(...)</c> returns: the one value a loop body can assign into and keep.</summary>
internal sealed class TemplateNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new();
}

/// <summary>A callable value: macros and globals such as range() or raise_exception().</summary>
internal sealed class TemplateCallable(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;
    public object? Invoke(List<object?> args, Dictionary<string, object?> kwargs) => invoke(args, kwargs);
}

/// <summary>
/// The value model and its Python semantics. Values are: null (None), <see cref="Undefined"/>, bool, long, double,
/// string, <see cref="List{T}"/> of object?, <see cref="Dictionary{TKey,TValue}"/> of string → object? (insertion
/// order, as Python's dict), <see cref="TemplateNamespace"/> and <see cref="TemplateCallable"/>.
/// </summary>
internal static class TemplateValues
{
    public static bool IsUndefined(object? value) => value is Undefined;

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Converts a caller's CLR value into the template value model (ints widen to long, maps and
    /// sequences are copied into Dictionary/List).</summary>
    public static object? FromClr(object? value) => value switch
    {
        null => null,
        string or bool or long or double or Undefined or TemplateNamespace or TemplateCallable => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        float f => (double)f,
        decimal m => (double)m,
        ChatMessage message => message.ToTemplateValue(),
        IDictionary<string, object?> d => d.ToDictionary(p => p.Key, p => FromClr(p.Value)),
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(p => p.Key, p => FromClr(p.Value)),
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture)!, k => FromClr(d[k])),
        IEnumerable e => e.Cast<object?>().Select(FromClr).ToList(),
        _ => value.ToString(),
    };

    /// <summary>Python's str(): what <c>{{ value }}</c> prints.</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value, topLevel: true),
    };

    /// <summary>Python's repr(), used inside lists and dicts: strings get quotes.</summary>
    public static string Repr(object? value, bool topLevel = false)
    {
        switch (value)
        {
            case null: return "None";
            case Undefined: return "";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FormatFloat(d);
            case string s: return topLevel ? s : "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'";
            case TemplateTuple tuple:
                return "(" + string.Join(", ", tuple.Select(v => Repr(v))) + (tuple.Count == 1 ? ",)" : ")");
            case List<object?> list:
                return "[" + string.Join(", ", list.Select(v => Repr(v))) + "]";
            case Dictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}";
            case TemplateNamespace ns:
                return "<Namespace " + Repr(ns.Attributes) + ">";
            case TemplateCallable c:
                return "<function " + c.Name + ">";
            default: return value.ToString() ?? "";
        }
    }

    /// <summary>Python's float repr: shortest round-trip digits, always with a '.0' or exponent.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits ("R"), laid out by Python's repr rule:
        // positional while the decimal exponent is in [-4, 16), scientific (1e+16, 1e-05) outside it.
        // (.NET's own "R" switches to exponents at 1e15, one decade early.)
        string digits = ShortestDigits(d.ToString("R", CultureInfo.InvariantCulture), out int exponent);
        string sign = d < 0 ? "-" : "";
        if (exponent is < -4 or >= 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        if (exponent < 0) return sign + "0." + new string('0', -exponent - 1) + digits;
        if (digits.Length <= exponent + 1) return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    /// <summary>The significant digits of a .NET number text (no sign, no leading/trailing zeros) and the decimal
    /// exponent of the first one: "123.45" → "12345", 2; "1E-05" → "1", -5.</summary>
    private static string ShortestDigits(string text, out int exponent)
    {
        int e = text.IndexOfAny(['E', 'e']);
        int power = e < 0 ? 0 : int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        string body = (e < 0 ? text : text[..e]).TrimStart('-');
        int point = body.IndexOf('.');
        string integer = point < 0 ? body : body[..point];
        string all = integer + (point < 0 ? "" : body[(point + 1)..]);
        int firstNonZero = 0;
        while (firstNonZero < all.Length - 1 && all[firstNonZero] == '0') firstNonZero++;
        exponent = power + integer.Length - 1 - firstNonZero;
        string digits = all[firstNonZero..].TrimEnd('0');
        return digits.Length == 0 ? "0" : digits;
    }

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        Undefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "string",
        TemplateTuple => "tuple",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        TemplateNamespace => "namespace",
        TemplateCallable => "function",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => double.NaN,
    };

    public static new bool Equals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
            return a is long la && b is long lb ? la == lb : ToDouble(a) == ToDouble(b);
        if (a is string sa && b is string sb) return string.Equals(sa, sb, StringComparison.Ordinal);
        if (a is List<object?> xa && b is List<object?> xb)
            return xa.Count == xb.Count && xa.Zip(xb).All(p => Equals(p.First, p.Second));
        if (a is Dictionary<string, object?> da && b is Dictionary<string, object?> db)
            return da.Count == db.Count && da.All(p => db.TryGetValue(p.Key, out var v) && Equals(p.Value, v));
        return ReferenceEquals(a, b);
    }

    /// <summary>Orders two values as Python does, or returns null when Python would raise TypeError.</summary>
    public static int? Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is long la && b is long lb ? la.CompareTo(lb) : ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb) return Math.Sign(string.CompareOrdinal(sa, sb));
        if (a is List<object?> xa && b is List<object?> xb)
        {
            for (int i = 0; i < Math.Min(xa.Count, xb.Count); i++)
            {
                if (Equals(xa[i], xb[i])) continue;
                return Compare(xa[i], xb[i]);
            }
            return xa.Count.CompareTo(xb.Count);
        }
        return null;
    }

    /// <summary>Iterates a value the way a for loop does: lists, dict keys, string characters; Undefined and
    /// None as empty (None iterating is an error in Python, but templates test for it first anyway).</summary>
    public static IEnumerable<object?>? Iterate(object? value) => value switch
    {
        Undefined => Array.Empty<object?>(),
        List<object?> list => list,
        Dictionary<string, object?> dict => dict.Keys.Cast<object?>(),
        string s => EnumerateRunes(s),
        _ => null,
    };

    private static IEnumerable<object?> EnumerateRunes(string s)
    {
        foreach (var rune in s.EnumerateRunes()) yield return rune.ToString();
    }

    /// <summary>len(): counts characters as code points (Python strings), list items, dict entries.</summary>
    public static long? Length(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> list => list.Count,
        Dictionary<string, object?> dict => dict.Count,
        TemplateNamespace ns => ns.Attributes.Count,
        Undefined => 0,
        _ => null,
    };

    public static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        return char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
    }

    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousLetter = false;
        foreach (char c in s)
        {
            sb.Append(previousLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousLetter = char.IsLetter(c);
        }
        return sb.ToString();
    }
}
