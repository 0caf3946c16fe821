namespace Loom.Text.Templates;

/// <summary>Python slicing (<c>xs[1:]</c>, <c>xs[::-1]</c>, <c>s[:3]</c>) over lists and strings.</summary>
internal static class TemplateSlicing
{
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        long stepValue = step is null or Undefined ? 1 : step as long? ?? throw new TemplateRuntimeError("slice step must be an integer");
        if (stepValue == 0) throw new TemplateRuntimeError("slice step cannot be zero");
        switch (target)
        {
            case List<object?> list:
                return Indices(list.Count, start, stop, stepValue).Select(i => list[i]).ToList();
            case string s:
            {
                var runes = s.EnumerateRunes().ToList();
                return string.Concat(Indices(runes.Count, start, stop, stepValue).Select(i => runes[i].ToString()));
            }
            case Undefined:
                return Undefined.Instance;
            default:
                throw new TemplateRuntimeError($"cannot slice {TemplateValues.TypeName(target)}");
        }
    }

    private static IEnumerable<int> Indices(int length, object? start, object? stop, long step)
    {
        long? first = Bound(start), last = Bound(stop);
        long lo, hi;
        if (step > 0)
        {
            lo = Clamp(first ?? 0, length, 0, length);
            hi = Clamp(last ?? length, length, 0, length);
            for (long i = lo; i < hi; i += step) yield return (int)i;
        }
        else
        {
            lo = Clamp(first ?? length - 1, length, -1, length - 1);
            hi = last is null ? -1 : Clamp(last.Value, length, -1, length - 1);
            for (long i = lo; i > hi; i += step) yield return (int)i;
        }
    }

    private static long? Bound(object? value) => value switch
    {
        null or Undefined => null,
        long l => l,
        _ => throw new TemplateRuntimeError($"slice indices must be integers, found {TemplateValues.TypeName(value)}"),
    };

    private static long Clamp(long index, int length, long min, long max)
    {
        if (index < 0) index += length;
        return Math.Clamp(index, min, max);
    }
}
