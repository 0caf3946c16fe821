using Loom.Core;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The byte-pair encoder of a <c>gpt2</c> GGUF vocabulary. Every token whose text is in GPT-2's byte alphabet takes
/// part (control tokens included: llama.cpp looks final symbols up among all tokens); a text held twice keeps the
/// later id, as llama.cpp's token map does.
/// </summary>
internal static class GgufByteLevelEncoder
{
    public static BytePairEncoder Build(GgufVocabulary vocabulary, bool ignoreMerges)
    {
        int n = vocabulary.Tokens.Count;
        var tokens = new string?[n];
        for (int id = 0; id < n; id++)
        {
            string text = vocabulary.Tokens[id];
            if (vocabulary.FindToken(text) == id && ByteLevelAlphabet.Decode(text) is not null) tokens[id] = text;
        }
        var merges = new List<(string, string)>(vocabulary.Merges.Count);
        for (int i = 0; i < vocabulary.Merges.Count; i++)
        {
            if (!ByteLevelVocabulary.TrySplitMerge(vocabulary.Merges[i], out var left, out var right))
                throw LoomException.Format(vocabulary.Source, $"tokenizer.ggml.merges[{i}] '{vocabulary.Merges[i]}' is not \"left right\"");
            merges.Add((left, right));
        }
        return ByteLevelVocabulary.ToEncoder(tokens, merges, ignoreMerges, vocabulary.Source);
    }
}
