using System.Text;

namespace Loom.Text.Templates;

/// <summary>Python methods templates call on values: <c>s.strip()</c>, <c>s.split('x')</c>, <c>d.items()</c>, …</summary>
internal static class TemplateMethods
{
    public static object? Call(object? target, string name, List<object?> args, Dictionary<string, object?> kwargs)
    {
        object? Arg(int i, string key) => i < args.Count ? args[i] : kwargs.TryGetValue(key, out var v) ? v : null;

        switch (target)
        {
            case string s:
                switch (name)
                {
                    case "strip": return Strip(s, Arg(0, "chars") as string, start: true, end: true);
                    case "lstrip": return Strip(s, Arg(0, "chars") as string, start: true, end: false);
                    case "rstrip": return Strip(s, Arg(0, "chars") as string, start: false, end: true);
                    case "upper": return s.ToUpperInvariant();
                    case "lower": return s.ToLowerInvariant();
                    case "title": return TemplateValues.Title(s);
                    case "capitalize": return TemplateValues.Capitalize(s);
                    case "startswith": return Affix(s, Arg(0, "prefix"), name, (a, b) => a.StartsWith(b, StringComparison.Ordinal));
                    case "endswith": return Affix(s, Arg(0, "suffix"), name, (a, b) => a.EndsWith(b, StringComparison.Ordinal));
                    case "split": return Split(s, Arg(0, "sep") as string, Arg(1, "maxsplit") as long? ?? -1);
                    case "splitlines": return s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).ToList();
                    case "replace":
                    {
                        var old = TemplateValues.ToText(Arg(0, "old"));
                        var replacement = TemplateValues.ToText(Arg(1, "new"));
                        return Arg(2, "count") is long c ? ReplaceCount(s, old, replacement, c) : ReplaceAll(s, old, replacement);
                    }
                    case "find": return (long)s.IndexOf(TemplateValues.ToText(Arg(0, "sub")), StringComparison.Ordinal);
                    case "count": return (long)CountOf(s, TemplateValues.ToText(Arg(0, "sub")));
                    case "join":
                        return string.Join(s, (TemplateValues.Iterate(Arg(0, "iterable")) ?? throw new TemplateRuntimeError("join needs an iterable"))
                            .Select(TemplateValues.ToText));
                }
                break;
            case Dictionary<string, object?> dict:
                switch (name)
                {
                    case "items": return dict.Select(p => (object?)new TemplateTuple(new[] { p.Key, p.Value })).ToList();
                    case "keys": return dict.Keys.Select(k => (object?)k).ToList();
                    case "values": return dict.Values.ToList();
                    case "get":
                        return Arg(0, "key") is string key && dict.TryGetValue(key, out var value) ? value : Arg(1, "default");
                }
                break;
            case List<object?> list:
                switch (name)
                {
                    case "append": list.Add(Arg(0, "item")); return null;
                    case "index":
                    {
                        int i = list.FindIndex(x => TemplateValues.Equals(x, Arg(0, "value")));
                        return i >= 0 ? (long)i : throw new TemplateRuntimeError($"{TemplateValues.Repr(Arg(0, "value"))} is not in list");
                    }
                    case "count": return (long)list.Count(x => TemplateValues.Equals(x, Arg(0, "value")));
                }
                break;
        }
        throw new TemplateRuntimeError($"{TemplateValues.TypeName(target)} has no method '{name}'");
    }

    // Python's str.strip(): with no argument whitespace, otherwise any of the given characters.
    private static string Strip(string s, string? chars, bool start, bool end)
    {
        if (chars is null) return start && end ? s.Trim() : start ? s.TrimStart() : s.TrimEnd();
        var set = chars.ToCharArray();
        return start && end ? s.Trim(set) : start ? s.TrimStart(set) : s.TrimEnd(set);
    }

    private static bool Affix(string s, object? affix, string method, Func<string, string, bool> test) => affix switch
    {
        string a => test(s, a),
        List<object?> options => options.Any(o => o is string a && test(s, a)),
        _ => throw new TemplateRuntimeError($"{method} needs a string or a tuple of strings, found {TemplateValues.TypeName(affix)}"),
    };

    // Python's str.split(): with no separator, runs of whitespace split and empty pieces vanish.
    private static List<object?> Split(string s, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(s[i..].TrimEnd());
                    break;
                }
                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        if (separator.Length == 0) throw new TemplateRuntimeError("split: empty separator");
        int from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    public static string ReplaceAll(string s, string old, string replacement)
    {
        if (old.Length > 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        // Python inserts the replacement between every character (and at both ends) for an empty pattern.
        var sb = new StringBuilder(replacement);
        foreach (char c in s) sb.Append(c).Append(replacement);
        return sb.ToString();
    }

    public static string ReplaceCount(string s, string old, string replacement, long count)
    {
        if (count < 0) return ReplaceAll(s, old, replacement);
        if (old.Length == 0) throw new TemplateRuntimeError("replace: an empty pattern with a count is not supported");
        var sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++)
        {
            int at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return sb.Append(s, from, s.Length - from).ToString();
    }

    private static int CountOf(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        int n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
