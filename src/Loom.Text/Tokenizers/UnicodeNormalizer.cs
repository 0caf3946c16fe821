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
    // Starters that may still change under NFC: they never occur in NFC (NFC_Quick_Check = No) or may join the
    // character before them (Maybe). Every other starter is a safe place to cut the text.
    private static readonly HashSet<int> UnstableStarters = BuildUnstableStarters();

    /// <summary>True when <paramref name="text"/> is certainly NFC already (the quick check: no combining mark,
    /// no character that NFC replaces or may join to its neighbour).</summary>
    public static bool IsQuickNfc(ReadOnlySpan<char> text) => FirstUnstable(text, 0) < 0;

    public static string ToNfc(string text) => IsQuickNfc(text) ? text : Normalize(text);

    public static string ToNfc(ReadOnlySpan<char> text) => Normalize(text);

    /// <summary>
    /// Normalizes only around the characters the quick check flags: from the stable starter before each one to the
    /// next stable starter. Nothing joins or reorders across a stable starter, so the rest is copied as is, and a
    /// long text with a few accents costs little more than a copy.
    /// </summary>
    private static string Normalize(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length + 16);
        int pos = 0;
        while (true)
        {
            int bad = FirstUnstable(text, pos);
            if (bad < 0)
            {
                builder.Append(text[pos..]);
                return builder.ToString();
            }
            int start = bad > pos ? PreviousIndex(text, bad) : bad; // the stable starter it may join
            int end = bad;
            while (end < text.Length && !IsStable(text, end, out _)) end += RuneLength(text, end);
            builder.Append(text[pos..start]);
            Compose(text[start..end], builder);
            pos = end;
        }
    }

    private static int FirstUnstable(ReadOnlySpan<char> text, int from)
    {
        for (int i = from; i < text.Length;)
        {
            if (text[i] < '\u0300')
            {
                i++;
                continue;
            }
            if (!IsStable(text, i, out int length)) return i;
            i += length;
        }
        return -1;
    }

    /// <summary>A starter that nothing in NFC changes, joins to or reorders around.</summary>
    private static bool IsStable(ReadOnlySpan<char> text, int index, out int length)
    {
        Rune.DecodeFromUtf16(text[index..], out Rune rune, out length);
        int c = rune.Value;
        return c < 0x300 || CombiningClass(c) == 0 && !UnstableStarters.Contains(c);
    }

    private static int RuneLength(ReadOnlySpan<char> text, int index)
    {
        Rune.DecodeFromUtf16(text[index..], out _, out int length);
        return length;
    }

    private static int PreviousIndex(ReadOnlySpan<char> text, int index) =>
        index >= 2 && char.IsLowSurrogate(text[index - 1]) && char.IsHighSurrogate(text[index - 2]) ? index - 2 : index - 1;

    /// <summary>Canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => CombiningClasses.TryGetValue(codePoint, out byte c) ? c : 0;

    private static void Compose(ReadOnlySpan<char> text, StringBuilder output)
    {
        var points = new List<int>(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes()) Decompose(rune.Value, points);
        SortMarks(points);
        ComposeInPlace(points);
        foreach (int p in points)
        {
            if (p < 0x10000) output.Append((char)p);
            else output.Append(char.ConvertFromUtf32(p));
        }
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

    private static HashSet<int> BuildUnstableStarters()
    {
        var set = new HashSet<int>();
        var d = UnicodeNormalizationData.Decompositions;
        for (int i = 0; i < d.Length; i += 3)
        {
            // Replaced by NFC unless it is the primary composite of its own two-part decomposition.
            if (d[i + 2] == 0 || !Compositions.TryGetValue(((long)d[i + 1] << 32) | (uint)d[i + 2], out int c) || c != d[i])
                set.Add(d[i]);
        }
        var pairs = UnicodeNormalizationData.Compositions;
        for (int i = 0; i < pairs.Length; i += 3) set.Add(pairs[i + 1]); // may join the character before
        for (int v = VBase; v < VBase + VCount; v++) set.Add(v);
        for (int t = TBase + 1; t < TBase + TCount; t++) set.Add(t);
        return set;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var table = new Dictionary<long, int>();
        var c = UnicodeNormalizationData.Compositions;
        for (int i = 0; i < c.Length; i += 3) table[((long)c[i] << 32) | (uint)c[i + 1]] = c[i + 2];
        return table;
    }
}
