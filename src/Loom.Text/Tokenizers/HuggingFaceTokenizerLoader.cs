using System.Text.Json;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Reads Hugging Face <c>tokenizer.json</c> files with a byte-level BPE model — vocab, merges (as "a b" strings or
/// ["a", "b"] pairs), added tokens, an optional NFC normalizer, a Split-regex + ByteLevel pre-tokenizer, a
/// ByteLevel decoder — and Loom's own files in that layout (a top-level "loom" object, which Hugging Face ignores,
/// records what Loom needs beyond it). Anything else is refused with a message listing what is supported, never
/// half-supported: a tokenizer that loads produces the same ids as the original.
/// </summary>
public static class HuggingFaceTokenizerLoader
{
    private const string SupportedModels = "supported: byte-level \"BPE\" (and Loom's own char tokenizers)";
    private const string SupportedPreTokenizers =
        "supported: ByteLevel with use_regex, or a Sequence of one Split (a Regex, behavior Isolated, not inverted) and "
        + "ByteLevel without use_regex; add_prefix_space must be false";

    public static ITokenizer Load(string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new LoomException(LoomErrorCode.InvalidFormat, $"{file}: not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LoomException(LoomErrorCode.FileNotFound, $"{file}: tokenizer file not found", e);
        }
        using (doc)
        {
            var reader = new Reader(file);
            return reader.Read(doc.RootElement);
        }
    }

    private sealed class Reader(string file)
    {
        public ITokenizer Read(JsonElement root)
        {
            Expect(root, JsonValueKind.Object, "the document");
            string? loomKind = null, mergeRule = null;
            if (root.TryGetProperty("loom", out var loom) && loom.ValueKind == JsonValueKind.Object)
            {
                loomKind = OptionalString(loom, "kind", "loom.kind");
                mergeRule = OptionalString(loom, "merge_rule", "loom.merge_rule");
            }
            var model = Property(root, "model", JsonValueKind.Object, "model");
            string? type = OptionalString(model, "type", "model.type")
                ?? (model.TryGetProperty("merges", out _) ? "BPE" : null);
            var added = ReadAddedTokens(root);
            if (type == "WordLevel" && loomKind == "char") return ReadChar(model, added);
            if (type != "BPE")
                throw new LoomException(LoomErrorCode.NotSupported,
                    $"{file}: model.type '{type ?? "(none)"}' is not supported; {SupportedModels}");

            bool nfc = ReadNormalizer(root);
            var preTokenizer = ReadPreTokenizer(root);
            CheckDecoder(root);
            var encoder = ReadBpeModel(model, mergeRule == "rank");
            var specials = added.ToDictionary(a => a.Content, a => a.Id, StringComparer.Ordinal);
            return new BpeTokenizer(loomKind ?? "huggingface:bpe", encoder, preTokenizer, specials, nfc);
        }

        private BytePairEncoder ReadBpeModel(JsonElement model, bool byRank)
        {
            foreach (var flag in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            {
                if (model.TryGetProperty(flag, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
                    throw new LoomException(LoomErrorCode.NotSupported, $"{file}: model.{flag} '{v.GetString()}' is not supported; {SupportedModels}");
            }
            if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
                throw new LoomException(LoomErrorCode.NotSupported,
                    $"{file}: model.byte_fallback (SentencePiece-style BPE) is not supported; {SupportedModels}");
            if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
                throw new LoomException(LoomErrorCode.NotSupported, $"{file}: model.dropout {dropout.GetDouble()} is not supported (use null)");
            bool ignoreMerges = model.TryGetProperty("ignore_merges", out var ignore) && ignore.ValueKind == JsonValueKind.True;

            var vocabJson = Property(model, "vocab", JsonValueKind.Object, "model.vocab");
            var tokens = new List<string?>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in vocabJson.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                    throw LoomException.Format(file, $"model.vocab['{entry.Name}']: expected a non-negative integer id, found {entry.Value}");
                if (!seen.Add(entry.Name)) throw LoomException.Format(file, $"model.vocab: '{entry.Name}' appears twice");
                while (tokens.Count <= id) tokens.Add(null);
                if (tokens[id] is not null) throw LoomException.Format(file, $"model.vocab: id {id} is given to two tokens");
                tokens[id] = entry.Name;
            }
            if (byRank) return ByteLevelVocabulary.ToRankEncoder(tokens, file);

            var mergesJson = Property(model, "merges", JsonValueKind.Array, "model.merges");
            var merges = new List<(string, string)>(mergesJson.GetArrayLength());
            foreach (var merge in mergesJson.EnumerateArray())
            {
                if (merge.ValueKind == JsonValueKind.String && ByteLevelVocabulary.TrySplitMerge(merge.GetString()!, out string left, out string right))
                    merges.Add((left, right));
                else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                         && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
                    merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                else
                    throw LoomException.Format(file, $"model.merges[{merges.Count}]: expected \"a b\" or [\"a\", \"b\"], found {merge.GetRawText()}");
            }
            return ByteLevelVocabulary.ToEncoder(tokens, merges, ignoreMerges, file);
        }

        private List<(int Id, string Content)> ReadAddedTokens(JsonElement root)
        {
            var result = new List<(int, string)>();
            if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind == JsonValueKind.Null) return result;
            Expect(array, JsonValueKind.Array, "added_tokens");
            int index = 0;
            foreach (var token in array.EnumerateArray())
            {
                string where = $"added_tokens[{index++}]";
                Expect(token, JsonValueKind.Object, where);
                var idJson = Property(token, "id", JsonValueKind.Number, $"{where}.id");
                string content = Property(token, "content", JsonValueKind.String, $"{where}.content").GetString()!;
                foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
                {
                    if (token.TryGetProperty(flag, out var v) && v.ValueKind == JsonValueKind.True)
                        throw new LoomException(LoomErrorCode.NotSupported,
                            $"{file}: {where} '{content}' sets {flag}; Loom matches added tokens exactly (lstrip, rstrip, single_word false)");
                }
                if (!idJson.TryGetInt32(out int id) || id < 0) throw LoomException.Format(file, $"{where}.id: expected a non-negative integer, found {idJson}");
                result.Add((id, content));
            }
            return result;
        }

        private bool ReadNormalizer(JsonElement root)
        {
            if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null) return false;
            var steps = Flatten(n, "normalizers", "normalizer");
            foreach (var (step, type) in steps)
            {
                if (type != "NFC")
                    throw new LoomException(LoomErrorCode.NotSupported,
                        $"{file}: normalizer '{type}' is not supported; supported: none, NFC");
            }
            return steps.Count > 0;
        }

        private PreTokenizer ReadPreTokenizer(JsonElement root)
        {
            if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind == JsonValueKind.Null)
                throw new LoomException(LoomErrorCode.NotSupported, $"{file}: no pre_tokenizer, so not byte-level; {SupportedPreTokenizers}");
            var steps = Flatten(p, "pretokenizers", "pre_tokenizer");
            string? pattern = null;
            bool byteLevel = false;
            foreach (var (step, type) in steps)
            {
                if (type == "Split" && pattern is null && !byteLevel)
                {
                    var patternJson = Property(step, "pattern", JsonValueKind.Object, "pre_tokenizer Split.pattern");
                    string? behavior = OptionalString(step, "behavior", "pre_tokenizer Split.behavior");
                    bool invert = step.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                    if (behavior != "Isolated" || invert)
                        throw new LoomException(LoomErrorCode.NotSupported,
                            $"{file}: pre_tokenizer Split behavior '{behavior}' invert {invert}; {SupportedPreTokenizers}");
                    if (patternJson.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                        pattern = regex.GetString()!;
                    else if (patternJson.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String)
                        pattern = System.Text.RegularExpressions.Regex.Escape(literal.GetString()!);
                    else throw LoomException.Format(file, "pre_tokenizer Split.pattern: expected {\"Regex\": …} or {\"String\": …}");
                }
                else if (type == "ByteLevel" && !byteLevel)
                {
                    byteLevel = true;
                    if (step.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind == JsonValueKind.True)
                        throw new LoomException(LoomErrorCode.NotSupported, $"{file}: ByteLevel add_prefix_space is true; {SupportedPreTokenizers}");
                    bool useRegex = !step.TryGetProperty("use_regex", out var ur) || ur.ValueKind != JsonValueKind.False;
                    if (useRegex && pattern is not null || !useRegex && pattern is null)
                        throw new LoomException(LoomErrorCode.NotSupported,
                            $"{file}: ByteLevel use_regex {useRegex.ToString().ToLowerInvariant()} after {(pattern is null ? "no" : "a")} Split; {SupportedPreTokenizers}");
                    if (useRegex) pattern = PreTokenizerPatterns.R50k; // ByteLevel's built-in regex is GPT-2's
                }
                else
                {
                    throw new LoomException(LoomErrorCode.NotSupported, $"{file}: pre_tokenizer '{type}' here is not supported; {SupportedPreTokenizers}");
                }
            }
            if (!byteLevel || pattern is null)
                throw new LoomException(LoomErrorCode.NotSupported, $"{file}: pre_tokenizer has no ByteLevel step; {SupportedPreTokenizers}");
            return PreTokenizer.FromPattern(pattern);
        }

        private void CheckDecoder(JsonElement root)
        {
            if (!root.TryGetProperty("decoder", out var d) || d.ValueKind == JsonValueKind.Null) return;
            foreach (var (_, type) in Flatten(d, "decoders", "decoder"))
            {
                if (type != "ByteLevel")
                    throw new LoomException(LoomErrorCode.NotSupported, $"{file}: decoder '{type}' is not supported; supported: ByteLevel");
            }
        }

        private CharTokenizer ReadChar(JsonElement model, List<(int Id, string Content)> added)
        {
            var vocab = Property(model, "vocab", JsonValueKind.Object, "model.vocab");
            var characters = new string?[vocab.EnumerateObject().Count()];
            foreach (var entry in vocab.EnumerateObject())
            {
                if (!entry.Value.TryGetInt32(out int id) || (uint)id >= (uint)characters.Length || characters[id] is not null)
                    throw LoomException.Format(file, $"model.vocab['{entry.Name}']: id {entry.Value} is not one of 0..{characters.Length - 1} or repeats");
                characters[id] = entry.Name;
            }
            var specials = added.OrderBy(a => a.Id).ToList();
            for (int i = 0; i < specials.Count; i++)
            {
                if (specials[i].Id != characters.Length + i)
                    throw LoomException.Format(file, $"added_tokens: '{specials[i].Content}' has id {specials[i].Id}, expected {characters.Length + i}");
            }
            return new CharTokenizer(characters!, [.. specials.Select(s => s.Content)]);
        }

        /// <summary>The steps of a component: the object itself, or the items of its Sequence, each with its type.</summary>
        private List<(JsonElement Step, string Type)> Flatten(JsonElement component, string itemsKey, string what)
        {
            Expect(component, JsonValueKind.Object, what);
            string type = OptionalString(component, "type", $"{what}.type") ?? throw LoomException.Format(file, $"{what}: no type");
            if (type != "Sequence") return [(component, type)];
            var result = new List<(JsonElement, string)>();
            foreach (var item in Property(component, itemsKey, JsonValueKind.Array, $"{what}.{itemsKey}").EnumerateArray())
            {
                Expect(item, JsonValueKind.Object, $"{what}.{itemsKey}[]");
                result.Add((item, OptionalString(item, "type", $"{what}.{itemsKey}[].type") ?? "(none)"));
            }
            return result;
        }

        private JsonElement Property(JsonElement parent, string name, JsonValueKind kind, string what)
        {
            if (!parent.TryGetProperty(name, out var value))
                throw LoomException.Format(file, $"{what}: missing");
            Expect(value, kind, what);
            return value;
        }

        private string? OptionalString(JsonElement parent, string name, string what)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            Expect(value, JsonValueKind.String, what);
            return value.GetString();
        }

        private void Expect(JsonElement value, JsonValueKind kind, string what)
        {
            if (value.ValueKind != kind)
                throw LoomException.Format(file, $"{what}: expected {kind.ToString().ToLowerInvariant()}, found {value.ValueKind.ToString().ToLowerInvariant()}");
        }
    }
}
