using System.Text.Encodings.Web;
using System.Text.Json;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Writes tokenizers as Hugging Face <c>tokenizer.json</c>, so a BPE vocabulary trained or loaded by Loom is usable
/// by the <c>tokenizers</c> library too. A top-level "loom" object (ignored by Hugging Face) keeps the tokenizer's
/// kind and, for tiktoken vocabularies, that merging goes by rank: the merge list written beside it is derived
/// for other readers, while Loom reloads the exact tiktoken behaviour.
/// </summary>
internal static class HuggingFaceTokenizerWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep "Ġ" and CJK readable; the file is UTF-8
    };

    public static void Write(BpeTokenizer tokenizer, string directory)
    {
        var encoder = tokenizer.Encoder;
        var merges = encoder.Merges; // derived for ByRank; may throw before anything is written
        var vocabText = new string?[encoder.IdCount];
        for (int id = 0; id < vocabText.Length; id++)
            if (encoder.Contains(id)) vocabText[id] = ByteLevelAlphabet.Encode(encoder.TokenBytes(id));

        WriteFile(directory, w =>
        {
            WriteHeader(w, tokenizer.Kind, encoder.Rule == MergeRule.ByRank ? "rank" : "merge_list", tokenizer.SpecialTokens);
            if (tokenizer.NormalizesToNfc)
            {
                w.WriteStartObject("normalizer");
                w.WriteString("type", "NFC");
                w.WriteEndObject();
            }
            else w.WriteNull("normalizer");

            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", tokenizer.PreTokenizer.Pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            WriteByteLevel(w, null);
            w.WriteEndArray();
            w.WriteEndObject();
            WriteByteLevel(w, "post_processor");
            WriteByteLevel(w, "decoder");

            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteNull("continuing_subword_prefix");
            w.WriteNull("end_of_word_suffix");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", encoder.WholePieceFirst);
            w.WriteStartObject("vocab");
            for (int id = 0; id < vocabText.Length; id++)
                if (vocabText[id] is { } text) w.WriteNumber(text, id);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                w.WriteStartArray();
                w.WriteStringValue(vocabText[left]);
                w.WriteStringValue(vocabText[right]);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>A char tokenizer as a WordLevel model over single characters.</summary>
    public static void Write(CharTokenizer tokenizer, string directory)
    {
        WriteFile(directory, w =>
        {
            WriteHeader(w, tokenizer.Kind, null, tokenizer.SpecialTokens);
            w.WriteNull("normalizer");
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", @"[\s\S]"); // one code point per piece
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            w.WriteNull("post_processor");
            w.WriteNull("decoder");
            w.WriteStartObject("model");
            w.WriteString("type", "WordLevel");
            w.WriteStartObject("vocab");
            var characters = tokenizer.Characters;
            for (int id = 0; id < characters.Count; id++) w.WriteNumber(characters[id], id);
            w.WriteEndObject();
            w.WriteString("unk_token", "[UNK]");
            w.WriteEndObject();
        });
    }

    private static void WriteFile(string directory, Action<Utf8JsonWriter> body)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw LoomException.Argument("tokenizer save: the directory is empty");
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, TokenizerFile.FileName), stream =>
        {
            using var w = new Utf8JsonWriter(stream, Options);
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        });
    }

    private static void WriteHeader(Utf8JsonWriter w, string kind, string? mergeRule, IReadOnlyDictionary<string, int> specials)
    {
        w.WriteString("version", "1.0");
        w.WriteStartObject("loom");
        w.WriteString("kind", kind);
        if (mergeRule is not null) w.WriteString("merge_rule", mergeRule);
        w.WriteEndObject();
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var (content, id) in specials.OrderBy(p => p.Value))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name)
    {
        if (name is null) w.WriteStartObject();
        else w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }
}
