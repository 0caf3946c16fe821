using Loom.Core;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The byte-pair encoder of a <c>gpt2</c> GGUF vocabulary. Every token whose text is in GPT-2's byte alphabet takes
/// part (control tokens included: llama.cpp looks final symbols up among all tokens); a text held twice keeps the
/// later id, as llama.cpp's token map does. Merges are resolved through the vocabulary's own text map, on spans,
/// so a 150k-token vocabulary builds without a second dictionary or a string per merge half.
/// </summary>
internal static class GgufByteLevelEncoder
{
    public static BytePairEncoder Build(GgufVocabulary vocabulary, bool ignoreMerges)
    {
        int n = vocabulary.Tokens.Count;
        var tokens = new byte[]?[n];
        for (int id = 0; id < n; id++)
        {
            var text = vocabulary.TokenText(id);
            if (vocabulary.TryFindToken(text, out int holder) && holder == id) tokens[id] = ByteLevelAlphabet.Decode(text);
        }
        var merges = new List<(int, int)>(vocabulary.Merges.Count);
        for (int i = 0; i < vocabulary.Merges.Count; i++)
        {
            var merge = vocabulary.MergeText(i);
            // Byte-level texts never hold a space (the space byte is "Ġ"), so the one space separates the halves.
            int space = merge.Length > 2 ? merge[1..].IndexOf(' ') + 1 : 0;
            if (space <= 0 || space == merge.Length - 1 || merge[(space + 1)..].Contains(' '))
                throw LoomException.Format(vocabulary.Source, $"tokenizer.ggml.merges[{i}] '{vocabulary.Merges[i]}' is not \"left right\"");
            if (!vocabulary.TryFindToken(merge[..space], out int left) || !vocabulary.TryFindToken(merge[(space + 1)..], out int right)
                || tokens[left] is null || tokens[right] is null)
                throw LoomException.Format(vocabulary.Source, $"tokenizer.ggml.merges[{i}] '{vocabulary.Merges[i]}' names a token that is not in the vocabulary");
            merges.Add((left, right));
        }
        return BytePairEncoder.FromMerges(tokens, merges, ignoreMerges, vocabulary.Source);
    }
}
