using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Models.Storage;
using Loom.Text.Tokenizers;

namespace Loom.Models.Transformer;

/// <summary>The tokenizer.ggml.* metadata of an exported model, how many tokens it appends to the model's
/// vocabulary (0 or 1, see <see cref="GgufTokenizerExport"/>), and what the reader should know.</summary>
public sealed record GgufTokenizerMetadata(IReadOnlyList<KeyValuePair<string, GgufValue>> Entries, int AppendedTokens, IReadOnlyList<string> Warnings);

/// <summary>
/// Describes a Loom tokenizer in GGUF's tokenizer.ggml.* keys so that llama.cpp (and <c>GgufTokenizer</c>) turn text
/// into the ids Loom's own tokenizer gives.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Byte-level BPE (trained, tiktoken, Hugging Face) → <c>gpt2</c>: every token's bytes in GPT-2's byte alphabet,
/// the merge list, and the <c>pre</c> name whose splitter is the tokenizer's pattern (GPT-2 → gpt-2, cl100k →
/// llama-bpe, Qwen2 → qwen2). llama-bpe makes llama.cpp try a whole piece as one token before merging; a token that
/// merging its own bytes would not rebuild is reported, since only then can the two differ.</item>
/// <item>Character tokenizer → <c>llama</c> (SentencePiece) with one piece per character, all scores 0 (no piece is
/// the concatenation of two others, so nothing ever merges), the space written as ▁ as SentencePiece does, and no
/// space prefix. It is exact for every text the character tokenizer accepts; a vocabulary holding both ' ' and '▁'
/// cannot be represented and is refused.</item>
/// <item>Special tokens are CONTROL tokens; ids the model has beyond the tokenizer are UNUSED placeholders.</item>
/// <item>BOS and EOS: lines mode's boundary token (BOS added, as Loom starts a line with it), else &lt;|endoftext|&gt;
/// when the vocabulary has it. A stream-mode model without either gets one appended token &lt;|endoftext|&gt; with a
/// zero embedding and output row (logit 0), because llama.cpp falls back to a real token (id 1, 2 or 11) as EOS
/// when the keys are absent, which would stop generation at an ordinary character.</item>
/// </list>
/// </remarks>
public static class GgufTokenizerExport
{
    public const string EndOfText = "<|endoftext|>";

    // GGUF token types (llama.cpp's llama_token_type).
    private const int Normal = 1, Control = 3, Unused = 5;

    // The GPT-2 pattern as Hugging Face files spell it, and cl100k as tiktoken used to (also Llama 3's tokenizer.json).
    private const string R50kHuggingFace = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private const string Cl100kOld =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static GgufTokenizerMetadata Describe(LanguageModel lm)
    {
        var tokenizer = lm.Tokenizer;
        int modelVocab = lm.Model.Config.VocabSize;
        var warnings = new List<string>();

        int endId, appended = 0;
        bool addBos;
        if (lm.TextFormat is { Mode: TextFormat.LinesMode, Boundary: { } boundary })
        {
            endId = boundary;
            addBos = true;
        }
        else if (tokenizer.SpecialTokens.TryGetValue(EndOfText, out int eot))
        {
            endId = eot;
            addBos = false;
        }
        else
        {
            endId = modelVocab;
            appended = 1;
            addBos = false;
            warnings.Add($"the tokenizer has no end token: appended {EndOfText} as id {endId} (zero embedding, logit 0) to serve as BOS/EOS");
        }

        int n = modelVocab + appended;
        var tokens = new string[n];
        var types = new int[n];
        for (int id = 0; id < n; id++)
        {
            tokens[id] = $"[UNUSED_{id}]";
            types[id] = Unused;
        }
        if (appended == 1)
        {
            tokens[endId] = EndOfText;
            types[endId] = Control;
        }

        string model, pre;
        string[]? merges = null;
        switch (tokenizer)
        {
            case CharTokenizer chars:
                FillCharacters(chars, tokens, types);
                (model, pre) = ("llama", "default");
                break;
            case BpeTokenizer bpe:
                (model, pre) = ("gpt2", PreName(bpe, warnings));
                merges = FillBytePairs(bpe, tokens, types);
                if (pre == "llama-bpe") WarnWholePieces(bpe, warnings);
                break;
            default:
                throw new LoomException(LoomErrorCode.NotSupported,
                    $"export gguf: tokenizer kind '{tokenizer.Kind}' has no GGUF form; supported: char and byte-level BPE");
        }
        foreach (var (text, id) in tokenizer.SpecialTokens)
        {
            tokens[id] = text;
            types[id] = Control;
        }

        var entries = new List<KeyValuePair<string, GgufValue>>();
        void Set(string key, GgufValue value) => entries.Add(new(key, value));
        Set("tokenizer.ggml.model", GgufValue.String(model));
        Set("tokenizer.ggml.pre", GgufValue.String(pre));
        Set("tokenizer.ggml.tokens", GgufValue.Array(tokens));
        if (merges is null) Set("tokenizer.ggml.scores", GgufValue.Array(new float[n]));
        Set("tokenizer.ggml.token_type", GgufValue.Array(types));
        if (merges is not null) Set("tokenizer.ggml.merges", GgufValue.Array(merges));
        Set("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)endId));
        Set("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)endId));
        Set("tokenizer.ggml.add_bos_token", GgufValue.Bool(addBos));
        Set("tokenizer.ggml.add_eos_token", GgufValue.Bool(false));
        if (tokenizer is CharTokenizer) Set("tokenizer.ggml.add_space_prefix", GgufValue.Bool(false));
        return new GgufTokenizerMetadata(entries, appended, warnings);
    }

    private static void FillCharacters(CharTokenizer chars, string[] tokens, int[] types)
    {
        var characters = chars.Characters;
        if (characters.Contains(" ") && characters.Contains("\u2581"))
            throw new LoomException(LoomErrorCode.NotSupported,
                "export gguf: the character vocabulary holds both ' ' and '▁' (U+2581), which SentencePiece writes alike");
        for (int id = 0; id < characters.Count; id++)
        {
            tokens[id] = characters[id] == " " ? "\u2581" : characters[id];
            types[id] = Normal;
        }
    }

    /// <summary>Fills in every token's byte-level text and returns the merges as "left right".</summary>
    private static string[] FillBytePairs(BpeTokenizer bpe, string[] tokens, int[] types)
    {
        var encoder = bpe.Encoder;
        for (int id = 0; id < encoder.IdCount; id++)
        {
            if (!encoder.Contains(id) || encoder.TokenBytes(id).IsEmpty) continue;
            tokens[id] = ByteLevelAlphabet.Encode(encoder.TokenBytes(id));
            types[id] = Normal;
        }
        var merges = new string[encoder.Merges.Count];
        for (int i = 0; i < merges.Length; i++)
        {
            var (left, right) = encoder.Merges[i];
            merges[i] = ByteLevelAlphabet.Encode(encoder.TokenBytes(left)) + " " + ByteLevelAlphabet.Encode(encoder.TokenBytes(right));
        }
        return merges;
    }

    private static string PreName(BpeTokenizer bpe, List<string> warnings)
    {
        if (bpe.NormalizesToNfc)
            warnings.Add("the tokenizer normalizes text to NFC; llama.cpp does not, so text that is not already NFC may tokenize differently");
        return bpe.PreTokenizer.Pattern switch
        {
            PreTokenizerPatterns.R50k or R50kHuggingFace => "gpt-2",
            PreTokenizerPatterns.Cl100k or Cl100kOld => "llama-bpe",
            PreTokenizerPatterns.Qwen2 => "qwen2",
            var other => throw new LoomException(LoomErrorCode.NotSupported,
                $"export gguf: no llama.cpp pre-tokenizer matches the BPE pattern '{other}'; supported: GPT-2, cl100k, Qwen2"),
        };
    }

    /// <summary>Counts tokens that merging their own bytes does not rebuild: only for those can llama-bpe's whole-piece
    /// lookup give another result than Loom's merging.</summary>
    private static void WarnWholePieces(BpeTokenizer bpe, List<string> warnings)
    {
        if (bpe.Encoder.WholePieceFirst) return;
        var parts = new List<int>();
        int differing = 0;
        var encoder = bpe.Encoder;
        for (int id = 0; id < encoder.IdCount; id++)
        {
            if (!encoder.Contains(id) || encoder.TokenBytes(id).Length < 2) continue;
            parts.Clear();
            encoder.EncodeByMerging(encoder.TokenBytes(id), parts);
            if (parts.Count != 1 || parts[0] != id) differing++;
        }
        if (differing > 0)
            warnings.Add($"{differing} token(s) are not rebuilt by merging their own bytes; llama.cpp's llama-bpe pre-tokenizer "
                + "takes a whole piece as one token first, so a piece spelling one of them may encode differently");
    }
}
