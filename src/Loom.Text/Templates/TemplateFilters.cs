using System.Globalization;

namespace Loom.Text.Templates;

/// <summary>The filters (<c>value | name(args)</c>) chat templates use.</summary>
internal static class TemplateFilters
{
    public static object? Apply(string name, object? value, List<object?> args, Dictionary<string, object?> kwargs)
    {
        object? Arg(int i, string key, object? fallback) =>
            i < args.Count ? args[i] : kwargs.TryGetValue(key, out var v) ? v : fallback;

        switch (name)
        {
            case "trim": return Text(value, name).Trim();
            case "upper": return Text(value, name).ToUpperInvariant();
            case "lower": return Text(value, name).ToLowerInvariant();
            case "capitalize": return TemplateValues.Capitalize(Text(value, name));
            case "title": return TemplateValues.Title(Text(value, name));
            case "string": return TemplateValues.ToText(value);
            case "safe": return value; // no autoescape: markup is plain text
            case "length" or "count":
                return TemplateValues.Length(value) ?? throw new TemplateRuntimeError($"object of type {TemplateValues.TypeName(value)} has no length");
            case "default" or "d":
            {
                var fallback = Arg(0, "default_value", "");
                bool boolean = TemplateValues.Truthy(Arg(1, "boolean", false));
                return value is Undefined || (boolean && !TemplateValues.Truthy(value)) ? fallback : value;
            }
            case "join":
            {
                var separator = TemplateValues.ToText(Arg(0, "d", ""));
                var attribute = Arg(1, "attribute", null) as string;
                var items = Items(value, name).Select(x => attribute is null ? x : TemplateEvaluator.GetAttribute(x, attribute));
                return string.Join(separator, items.Select(TemplateValues.ToText));
            }
            case "first": return Items(value, name).DefaultIfEmpty(Undefined.Instance).First();
            case "last": return Items(value, name).DefaultIfEmpty(Undefined.Instance).Last();
            case "list": return Items(value, name).ToList();
            case "reverse":
                return value is string text ? new string(text.Reverse().ToArray()) : Items(value, name).Reverse().ToList();
            case "unique":
            {
                var result = new List<object?>();
                foreach (var item in Items(value, name))
                    if (!result.Any(x => TemplateValues.Equals(x, item))) result.Add(item);
                return result;
            }
            case "items":
                if (value is Undefined) return new List<object?>();
                if (value is not Dictionary<string, object?> dict) throw new TemplateRuntimeError($"needs a mapping, found {TemplateValues.TypeName(value)}");
                return dict.Select(p => (object?)new TemplateTuple(new[] { p.Key, p.Value })).ToList();
            case "tojson":
            {
                var indent = Arg(0, "indent", null);
                return TemplateJson.Serialize(value, indent is long n ? (int)n : null);
            }
            case "replace":
            {
                var s = Text(value, name);
                var old = TemplateValues.ToText(Arg(0, "old", ""));
                var replacement = TemplateValues.ToText(Arg(1, "new", ""));
                var count = Arg(2, "count", null);
                return count is long c ? TemplateMethods.ReplaceCount(s, old, replacement, c) : TemplateMethods.ReplaceAll(s, old, replacement);
            }
            case "int":
                return value switch
                {
                    long l => l,
                    double d => (long)Math.Truncate(d),
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long l => (double)l,
                    double d => d,
                    bool b => b ? 1.0 : 0.0,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs":
                return value switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), _ => throw new TemplateRuntimeError($"needs a number, found {TemplateValues.TypeName(value)}") };
            case "selectattr" or "rejectattr":
            {
                if (args.Count == 0) throw new TemplateRuntimeError("needs an attribute name");
                var attribute = TemplateValues.ToText(args[0]);
                bool keep = name == "selectattr";
                return Items(value, name).Where(item =>
                {
                    var field = TemplateEvaluator.GetAttribute(item, attribute);
                    bool pass = args.Count > 1 ? TemplateTests.Apply(TemplateValues.ToText(args[1]), field, args.Skip(2).ToList()) : TemplateValues.Truthy(field);
                    return pass == keep;
                }).ToList();
            }
            case "select" or "reject":
            {
                bool keep = name == "select";
                return Items(value, name).Where(item =>
                {
                    bool pass = args.Count > 0 ? TemplateTests.Apply(TemplateValues.ToText(args[0]), item, args.Skip(1).ToList()) : TemplateValues.Truthy(item);
                    return pass == keep;
                }).ToList();
            }
            case "map":
            {
                if (kwargs.TryGetValue("attribute", out var attr))
                {
                    var attribute = TemplateValues.ToText(attr);
                    kwargs.TryGetValue("default", out var fallback);
                    return Items(value, name).Select(item =>
                    {
                        var field = TemplateEvaluator.GetAttribute(item, attribute);
                        return field is Undefined && kwargs.ContainsKey("default") ? fallback : field;
                    }).ToList();
                }
                if (args.Count == 0) throw new TemplateRuntimeError("needs attribute=… or a filter name");
                var filter = TemplateValues.ToText(args[0]);
                var rest = args.Skip(1).ToList();
                return Items(value, name).Select(item => Apply(filter, item, rest, new Dictionary<string, object?>())).ToList();
            }
            default:
                throw new TemplateRuntimeError($"unknown filter '{name}'");
        }
    }

    private static string Text(object? value, string filter) => value switch
    {
        string s => s,
        Undefined => "",
        _ => TemplateValues.ToText(value),
    };

    private static IEnumerable<object?> Items(object? value, string filter) =>
        TemplateValues.Iterate(value) ?? throw new TemplateRuntimeError($"cannot iterate over {TemplateValues.TypeName(value)}");
}
