using Loom.Core;

namespace Loom.Training.Text;

/// <summary>Training and validation text.</summary>
public sealed record TextSplit(string Train, string Validation)
{
    /// <summary>Default share of the data held out for validation.</summary>
    public const double DefaultValidationFraction = 0.1;

    /// <summary>
    /// Holds out <paramref name="fraction"/> of <paramref name="text"/>. Stream mode: the last characters (a
    /// contiguous tail, so no window straddles the two sets; never inside a surrogate pair). Lines mode: that share
    /// of the non-empty lines drawn with <paramref name="seed"/> — files of names are often sorted, and a tail would
    /// hold only the end of the alphabet. Both sides keep their lines in file order.
    /// </summary>
    public static TextSplit Create(string text, TextMode mode, double fraction = DefaultValidationFraction, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!(fraction > 0 && fraction < 1)) throw LoomException.Argument($"text split: validation fraction must be in (0, 1), found {fraction}");
        if (mode == TextMode.Stream)
        {
            int cut = (int)Math.Round(text.Length * (1 - fraction));
            if (cut > 0 && cut < text.Length && char.IsLowSurrogate(text[cut])) cut--;
            if (cut <= 0 || cut >= text.Length)
                throw LoomException.Argument($"text split: {text.Length} characters are too few to hold out {fraction:P0} for validation");
            return new TextSplit(text[..cut], text[cut..]);
        }

        string[] lines = Lines(text);
        int held = (int)Math.Round(lines.Length * fraction);
        if (held < 1 || held >= lines.Length)
            throw LoomException.Argument($"text split: {lines.Length} line(s) are too few to hold out {fraction:P0} for validation; give --val FILE");
        var order = Enumerable.Range(0, lines.Length).ToArray();
        new LoomRandom(seed).Shuffle(order.AsSpan());
        var isValidation = new bool[lines.Length];
        foreach (int i in order.AsSpan(0, held)) isValidation[i] = true;
        return new TextSplit(
            string.Join('\n', lines.Where((_, i) => !isValidation[i])) + "\n",
            string.Join('\n', lines.Where((_, i) => isValidation[i])) + "\n");
    }

    /// <summary>The non-empty lines of a text (a trailing \r is dropped; surrounding spaces are kept, they may be data).</summary>
    public static string[] Lines(string text) =>
        text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).Where(l => l.Length > 0).ToArray();
}
