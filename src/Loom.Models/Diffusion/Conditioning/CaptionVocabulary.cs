using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;

namespace Loom.Models.Diffusion.Conditioning;

/// <summary>
/// The caption encoder's words: lower-cased runs of letters and digits, collected from the training captions (most
/// frequent first, ties in ordinal order, so the same captions always give the same ids). Id 0 stands for any word
/// the training captions did not have. Saved as vocab.json in the model directory.
/// </summary>
public sealed class CaptionVocabulary
{
    public const string FileName = "vocab.json";
    public const int UnknownId = 0;
    private const string UnknownWord = "<unk>";

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;

    private CaptionVocabulary(string[] words)
    {
        _words = words;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 1; i < words.Length; i++) _ids[words[i]] = i;
    }

    /// <summary>Entries, the unknown-word id included.</summary>
    public int Count => _words.Length;

    public string Word(int id) => _words[id];

    /// <summary>The vocabulary of <paramref name="captions"/> (nulls skipped), keeping at most <paramref name="maxWords"/> words.</summary>
    public static CaptionVocabulary Build(IEnumerable<string?> captions, int maxWords = 4096)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var caption in captions)
            foreach (var word in Words(caption))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        var words = counts.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(maxWords).Select(e => e.Key);
        return new CaptionVocabulary([UnknownWord, .. words]);
    }

    /// <summary>The ids of a caption's words (unknown words → <see cref="UnknownId"/>); empty for null or a caption of no words.</summary>
    public int[] Encode(string? caption) => Words(caption).Select(w => _ids.GetValueOrDefault(w, UnknownId)).ToArray();

    /// <summary>How many of <paramref name="caption"/>'s words the vocabulary does not know.</summary>
    public int UnknownWords(string? caption) => Encode(caption).Count(id => id == UnknownId);

    /// <summary>Lower-cased runs of letters and digits ("Smiling face, with sunglasses" → smiling, face, with, sunglasses).</summary>
    public static IEnumerable<string> Words(string? caption)
    {
        if (string.IsNullOrEmpty(caption)) yield break;
        var word = new StringBuilder();
        foreach (char c in caption.ToLowerInvariant() + " ")
        {
            if (char.IsLetterOrDigit(c)) { word.Append(c); continue; }
            if (word.Length == 0) continue;
            yield return word.ToString();
            word.Clear();
        }
    }

    public void Save(string path) =>
        AtomicFile.WriteAllText(path, new JsonObject { ["words"] = new JsonArray(_words.Skip(1).Select(w => (JsonNode)w!).ToArray()) }.ToJsonString());

    public static CaptionVocabulary Load(string path)
    {
        if (!File.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: caption vocabulary not found");
        try
        {
            var words = JsonNode.Parse(File.ReadAllText(path))?["words"]?.AsArray().Select(w => w?.GetValue<string>() ?? throw LoomException.Format(path, "'words' holds a null")).ToArray()
                ?? throw LoomException.Format(path, "field 'words' is missing");
            if (words.Distinct(StringComparer.Ordinal).Count() != words.Length) throw LoomException.Format(path, "'words' lists a word twice");
            return new CaptionVocabulary([UnknownWord, .. words]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw LoomException.Format(path, $"not a valid caption vocabulary: {e.Message}");
        }
    }
}
