using System.Globalization;
using System.Text;
using Loom.Core;

namespace Loom.Text.Templates;

/// <summary>The functions every template can call: range, namespace, dict, raise_exception, strftime_now.</summary>
internal static class TemplateGlobals
{
    public static Dictionary<string, object?> Create(Func<DateTime> clock) => new()
    {
        ["range"] = new TemplateCallable("range", (args, _) => Range(args)),
        ["namespace"] = new TemplateCallable("namespace", (args, kwargs) =>
        {
            var ns = new TemplateNamespace();
            if (args.Count > 0 && args[0] is Dictionary<string, object?> initial)
                foreach (var (k, v) in initial) ns.Attributes[k] = v;
            foreach (var (k, v) in kwargs) ns.Attributes[k] = v;
            return ns;
        }),
        ["dict"] = new TemplateCallable("dict", (args, kwargs) =>
        {
            var d = args.Count > 0 && args[0] is Dictionary<string, object?> initial ? new Dictionary<string, object?>(initial) : new();
            foreach (var (k, v) in kwargs) d[k] = v;
            return d;
        }),
        // The template's own message is the error: it is what the model's authors want the user to read.
        ["raise_exception"] = new TemplateCallable("raise_exception", (args, _) =>
            throw new LoomException(LoomErrorCode.InvalidArgument,
                "chat template: " + (args.Count > 0 ? TemplateValues.ToText(args[0]) : "raise_exception() was called"))),
        ["strftime_now"] = new TemplateCallable("strftime_now", (args, _) =>
            Strftime(clock(), args.Count > 0 ? TemplateValues.ToText(args[0]) : "%Y-%m-%d")),
    };

    private static List<object?> Range(List<object?> args)
    {
        long start = 0, stop, step = 1;
        if (args.Count == 0 || args.Any(a => a is not long)) throw new TemplateRuntimeError("range() needs 1 to 3 integers");
        if (args.Count == 1) stop = (long)args[0]!;
        else
        {
            start = (long)args[0]!;
            stop = (long)args[1]!;
            if (args.Count > 2) step = (long)args[2]!;
        }
        if (step == 0) throw new TemplateRuntimeError("range() step must not be zero");
        var result = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            result.Add(i);
            if (result.Count > 1_000_000) throw new TemplateRuntimeError("range() is limited to a million items");
        }
        return result;
    }

    /// <summary>The strftime directives templates use (C locale), including glibc's '%-d' no-padding form.</summary>
    public static string Strftime(DateTime time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            bool noPad = format[i + 1] == '-' && i + 2 < format.Length;
            char d = format[noPad ? i + 2 : i + 1];
            i += noPad ? 2 : 1;
            string Pad(int v) => noPad ? v.ToString(c) : v.ToString("00", c);
            sb.Append(d switch
            {
                'Y' => time.Year.ToString(c),
                'y' => Pad(time.Year % 100),
                'm' => Pad(time.Month),
                'd' => Pad(time.Day),
                'H' => Pad(time.Hour),
                'I' => Pad(time.Hour % 12 == 0 ? 12 : time.Hour % 12),
                'M' => Pad(time.Minute),
                'S' => Pad(time.Second),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => noPad ? time.DayOfYear.ToString(c) : time.DayOfYear.ToString("000", c),
                'B' => time.ToString("MMMM", c),
                'b' => time.ToString("MMM", c),
                'A' => time.ToString("dddd", c),
                'a' => time.ToString("ddd", c),
                '%' => "%",
                _ => "%" + d,
            });
        }
        return sb.ToString();
    }
}
