using System.Text;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Unicode Normalization Form C (canonical decomposition, canonical ordering, canonical composition; UAX #15).
/// Loom runs with invariant globalization, where <see cref="string.Normalize()"/> does nothing, yet tokenizers
/// such as Qwen's normalize to NFC before splitting: this managed implementation, over tables generated from the
/// Unicode Character Database, fills that gap.
/// </summary>
public static class UnicodeNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, byte> CombiningClasses = BuildCombiningClasses();
    private static readonly Dictionary<int, (int First, int Second)> Decompositions = BuildDecompositions();
    private static readonly Dictionary<long, int> Compositions = BuildCompositions();

    /// <summary>True when <paramref name="text"/> is certainly NFC already: every character is below U+0300, where
    /// no character decomposes or combines.</summary>
    public static bool IsQuickNfc(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('\0', '\u02FF');

    public static string ToNfc(string text) => IsQuickNfc(text) ? text : Compose(text);

    public static string ToNfc(ReadOnlySpan<char> text) => IsQuickNfc(text) ? text.ToString() : Compose(text);

    /// <summary>Canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => CombiningClasses.TryGetValue(codePoint, out byte c) ? c : 0;

    private static string Compose(ReadOnlySpan<char> text)
    {
        var points = new List<int>(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes()) Decompose(rune.Value, points);
        SortMarks(points);
        ComposeInPlace(points);
        var builder = new StringBuilder(points.Count + 8);
        foreach (int p in points)
        {
            if (p < 0x10000) builder.Append((char)p);
            else builder.Append(char.ConvertFromUtf32(p));
        }
        return builder.ToString();
    }

    private static void Decompose(int c, List<int> output)
    {
        int s = c - SBase;
        if ((uint)s < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (Decompositions.TryGetValue(c, out var d))
        {
            Decompose(d.First, output);
            if (d.Second != 0) Decompose(d.Second, output);
            return;
        }
        output.Add(c);
    }

    /// <summary>Canonical ordering: a stable sort by combining class within each run of non-starters.</summary>
    private static void SortMarks(List<int> points)
    {
        for (int i = 1; i < points.Count; i++)
        {
            int cc = CombiningClass(points[i]);
            if (cc == 0) continue;
            int j = i;
            int p = points[i];
            while (j > 0 && CombiningClass(points[j - 1]) > cc)
            {
                points[j] = points[j - 1];
                j--;
            }
            points[j] = p;
        }
    }

    /// <summary>
    /// Canonical composition: each character joins the last starter when a primary composite exists and no
    /// character in between has a class of zero or at least its own (it is not "blocked").
    /// </summary>
    private static void ComposeInPlace(List<int> points)
    {
        if (points.Count == 0) return;
        int starterAt = CombiningClass(points[0]) == 0 ? 0 : -1;
        int lastClass = starterAt == 0 ? 0 : 256;
        int written = 1;
        for (int i = 1; i < points.Count; i++)
        {
            int c = points[i];
            int cc = CombiningClass(c);
            if (starterAt >= 0 && (lastClass < cc || lastClass == 0) && TryCompose(points[starterAt], c, out int composite))
            {
                points[starterAt] = composite;
                continue;
            }
            if (cc == 0) starterAt = written;
            lastClass = cc;
            points[written++] = c;
        }
        points.RemoveRange(written, points.Count - written);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        int l = first - LBase, v = second - VBase;
        if ((uint)l < LCount && (uint)v < VCount)
        {
            composite = SBase + (l * VCount + v) * TCount;
            return true;
        }
        int s = first - SBase, t = second - TBase;
        if ((uint)s < SCount && s % TCount == 0 && t > 0 && t < TCount)
        {
            composite = first + t;
            return true;
        }
        return Compositions.TryGetValue(((long)first << 32) | (uint)second, out composite);
    }

    private static Dictionary<int, byte> BuildCombiningClasses()
    {
        var table = new Dictionary<int, byte>();
        var r = UnicodeNormalizationData.CombiningClassRanges;
        for (int i = 0; i < r.Length; i += 3)
            for (int c = r[i]; c <= r[i + 1]; c++) table[c] = (byte)r[i + 2];
        return table;
    }

    private static Dictionary<int, (int, int)> BuildDecompositions()
    {
        var table = new Dictionary<int, (int, int)>();
        var d = UnicodeNormalizationData.Decompositions;
        for (int i = 0; i < d.Length; i += 3) table[d[i]] = (d[i + 1], d[i + 2]);
        return table;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var table = new Dictionary<long, int>();
        var c = UnicodeNormalizationData.Compositions;
        for (int i = 0; i < c.Length; i += 3) table[((long)c[i] << 32) | (uint)c[i + 1]] = c[i + 2];
        return table;
    }
}
