using System.Text;

namespace Loom.Text.Templates;

/// <summary>Binary operators with Python's rules (except and/or, which short-circuit in the evaluator).</summary>
internal static class TemplateOperators
{
    public static object? Apply(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return TemplateValues.Equals(left, right);
            case "!=": return !TemplateValues.Equals(left, right);
            case "<" or ">" or "<=" or ">=":
            {
                var order = TemplateValues.Compare(left, right)
                    ?? throw new TemplateRuntimeError($"cannot compare {TemplateValues.TypeName(left)} with {TemplateValues.TypeName(right)}");
                return op switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, _ => order >= 0 };
            }
            case "in": return Contains(right, left);
            case "not in": return !Contains(right, left);
            case "~": return TemplateValues.ToText(left) + TemplateValues.ToText(right);
        }
        if (left is Undefined || right is Undefined)
            throw new TemplateRuntimeError($"an operand is undefined ({TemplateValues.TypeName(left)} {op} {TemplateValues.TypeName(right)})");
        switch (op)
        {
            case "+" when left is string a && right is string b: return a + b;
            case "+" when left is List<object?> a && right is List<object?> b: return a.Concat(b).ToList();
            case "*" when left is string s && right is long n: return Repeat(s, n);
            case "*" when left is long n && right is string s: return Repeat(s, n);
            case "*" when left is List<object?> list && right is long n:
                return Enumerable.Repeat(list, (int)Math.Max(0, n)).SelectMany(x => x).ToList();
        }
        if (!TemplateValues.IsNumber(left) || !TemplateValues.IsNumber(right))
            throw new TemplateRuntimeError($"unsupported operand types: {TemplateValues.TypeName(left)} {op} {TemplateValues.TypeName(right)}");
        bool integers = (left is long or bool) && (right is long or bool);
        double x = TemplateValues.ToDouble(left), y = TemplateValues.ToDouble(right);
        long li = (long)x, ri = (long)y;
        switch (op)
        {
            case "+": return integers ? (object)(li + ri) : x + y;
            case "-": return integers ? (object)(li - ri) : x - y;
            case "*": return integers ? (object)(li * ri) : x * y;
            case "/":
                if (y == 0) throw new TemplateRuntimeError("division by zero");
                return x / y;
            case "//":
                if (y == 0) throw new TemplateRuntimeError("division by zero");
                return integers ? (object)FloorDiv(li, ri) : Math.Floor(x / y);
            case "%":
                if (y == 0) throw new TemplateRuntimeError("modulo by zero");
                if (integers) return (object)(li - ri * FloorDiv(li, ri));
                return x - y * Math.Floor(x / y);
            case "**":
                if (integers && ri >= 0) return (object)(long)Math.Pow(li, ri);
                return Math.Pow(x, y);
            default: throw new TemplateRuntimeError($"unknown operator '{op}'");
        }
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    private static string Repeat(string s, long n)
    {
        var sb = new StringBuilder();
        for (long i = 0; i < n; i++) sb.Append(s);
        return sb.ToString();
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new TemplateRuntimeError($"'in <string>' needs a string on the left, found {TemplateValues.TypeName(item)}"),
        List<object?> list => list.Any(x => TemplateValues.Equals(x, item)),
        Dictionary<string, object?> dict => item is string k && dict.ContainsKey(k),
        TemplateNamespace ns => item is string k && ns.Attributes.ContainsKey(k),
        Undefined => false,
        _ => throw new TemplateRuntimeError($"'in' needs a string, list or mapping on the right, found {TemplateValues.TypeName(container)}"),
    };
}
