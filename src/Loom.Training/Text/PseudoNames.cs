using System.Text;
using Loom.Core;

namespace Loom.Training.Text;

/// <summary>
/// Built-in text for demos and tests: invented given names from a small syllable grammar (onset, vowel, optional
/// coda, and an ending), drawn with weights from a seeded generator. The grammar gives the names structure a
/// character model can learn — which letters start a name, which clusters are allowed, how names end — while the
/// names themselves are Loom's own, so no data is downloaded or copied.
/// </summary>
public static class PseudoNames
{
    // (text, weight): common sounds are drawn more often, as in real names.
    private static readonly (string Text, int Weight)[] Onsets =
    [
        ("", 3), ("b", 3), ("d", 4), ("f", 1), ("g", 2), ("h", 2), ("j", 2), ("k", 3), ("l", 5), ("m", 5), ("n", 4), ("p", 2),
        ("r", 4), ("s", 4), ("t", 4), ("v", 2), ("z", 1), ("br", 1), ("dr", 1), ("kr", 1), ("tr", 1), ("st", 1), ("sh", 2),
        ("th", 1), ("ch", 1), ("gl", 1), ("fl", 1),
    ];

    private static readonly (string Text, int Weight)[] Vowels =
    [
        ("a", 8), ("e", 6), ("i", 5), ("o", 5), ("u", 2), ("ai", 1), ("ea", 1), ("ia", 1), ("ou", 1), ("y", 1),
    ];

    private static readonly (string Text, int Weight)[] Codas =
    [
        ("", 10), ("n", 3), ("r", 3), ("l", 3), ("s", 2), ("m", 1), ("nd", 1), ("th", 1), ("x", 1), ("st", 1),
    ];

    private static readonly (string Text, int Weight)[] Endings =
    [
        ("", 6), ("a", 5), ("ia", 2), ("on", 2), ("el", 2), ("ine", 1), ("is", 1), ("o", 2), ("an", 2), ("ella", 1), ("ric", 1),
    ];

    /// <summary>
    /// <paramref name="count"/> distinct names, in the order drawn, each 3 to 12 letters; the same seed gives the
    /// same list.
    /// </summary>
    public static IReadOnlyList<string> Generate(int count, ulong seed)
    {
        if (count < 1 || count > 20_000) throw LoomException.Argument($"pseudo-names: count must be in 1..20000, found {count}");
        var rng = new LoomRandom(seed);
        var names = new List<string>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (names.Count < count)
        {
            string name = One(rng);
            if (name.Length is >= 3 and <= 12 && seen.Add(name)) names.Add(name);
        }
        return names;
    }

    /// <summary>The names as text, one per line (what lines mode trains on).</summary>
    public static string Text(int count, ulong seed) => string.Join('\n', Generate(count, seed)) + "\n";

    private static string One(LoomRandom rng)
    {
        var name = new StringBuilder();
        int syllables = Pick(rng, [(1, 3), (2, 5), (3, 2)]);
        for (int s = 0; s < syllables; s++)
        {
            string onset = Pick(rng, Onsets);
            // Two vowels meeting across a syllable boundary read badly ("aea"): such a syllable takes a consonant.
            if (onset.Length == 0 && s > 0 && IsVowel(name[^1])) onset = "l";
            name.Append(onset).Append(Pick(rng, Vowels));
            if (s < syllables - 1 || rng.NextInt(3) == 0) name.Append(Pick(rng, Codas));
        }
        string ending = Pick(rng, Endings);
        if (ending.Length > 0 && IsVowel(ending[0]) && IsVowel(name[^1])) name.Length--; // "mara" + "ia" → "maria"
        return name.Append(ending).ToString();
    }

    private static bool IsVowel(char c) => "aeiouy".Contains(c);

    private static int Pick(LoomRandom rng, (int Value, int Weight)[] choices) => choices[PickIndex(rng, choices.Select(c => c.Weight))].Value;

    private static string Pick(LoomRandom rng, (string Text, int Weight)[] choices) => choices[PickIndex(rng, choices.Select(c => c.Weight))].Text;

    private static int PickIndex(LoomRandom rng, IEnumerable<int> weights)
    {
        int[] w = weights.ToArray();
        int r = rng.NextInt(w.Sum());
        for (int i = 0; i < w.Length; i++)
        {
            if (r < w[i]) return i;
            r -= w[i];
        }
        throw new LoomException(LoomErrorCode.Internal, "pseudo-names: weighted pick fell off the end");
    }
}
