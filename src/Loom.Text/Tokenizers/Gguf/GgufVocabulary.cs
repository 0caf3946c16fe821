using Loom.Core;
using Loom.Formats.Gguf;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The <c>tokenizer.ggml.*</c> metadata of a GGUF file as llama.cpp reads it: token texts, types (after
/// llama.cpp's re-typing of control-looking tokens), scores, merges, the BOS/EOS/UNK ids and flags, and the
/// end-of-generation set.
/// </summary>
public sealed class GgufVocabulary
{
    private readonly GgufTextTable _tokens;
    private readonly GgufTextTable _merges;

    private GgufVocabulary(string source, string model, string pre, GgufTextTable tokens, GgufTokenType[] types, float[] scores,
        GgufTextTable merges, int bos, int eos, int unknown, bool addBos, bool addEos, bool addSpacePrefix)
    {
        Source = source;
        Model = model;
        Pre = pre;
        _tokens = tokens;
        Scores = scores;
        _merges = merges;
        BosId = bos;
        EosId = eos;
        UnknownId = unknown;
        AddBos = addBos;
        AddEos = addEos;
        AddSpacePrefix = addSpacePrefix;
        var forced = new List<int>();
        EndOfGeneration = RetypeControlLookingTokens(types, forced);
        Types = types;
        ForcedControl = forced;
    }

    /// <summary>The file name, for messages.</summary>
    public string Source { get; }
    /// <summary><c>tokenizer.ggml.model</c>: "gpt2" (byte-level BPE) or "llama" (SentencePiece).</summary>
    public string Model { get; }
    /// <summary><c>tokenizer.ggml.pre</c> ("default" when absent).</summary>
    public string Pre { get; }
    /// <summary>Every token's text (each read creates its string; <see cref="TokenText"/> does not).</summary>
    public IReadOnlyList<string> Tokens => _tokens;
    public IReadOnlyList<GgufTokenType> Types { get; }
    /// <summary>Per-token scores (SentencePiece merge priority); zeros when the file has none.</summary>
    public IReadOnlyList<float> Scores { get; }
    /// <summary>BPE merges "left right" in priority order; empty for SentencePiece.</summary>
    public IReadOnlyList<string> Merges => _merges;
    public int BosId { get; }
    public int EosId { get; }
    /// <summary>The unknown token, or -1.</summary>
    public int UnknownId { get; }
    public bool AddBos { get; }
    public bool AddEos { get; }
    /// <summary>SentencePiece: a space is put before the text and after every special token.</summary>
    public bool AddSpacePrefix { get; }
    /// <summary>Tokens that end generation, as llama.cpp decides them (by text as well as by EOS id).</summary>
    public IReadOnlySet<int> EndOfGeneration { get; }
    /// <summary>Tokens the file typed NORMAL or USER_DEFINED that llama.cpp re-typed CONTROL, ascending.</summary>
    public IReadOnlyList<int> ForcedControl { get; }

    /// <summary>The id llama.cpp gives this text (the last token holding it), or -1.</summary>
    public int FindToken(string text) => _tokens.TryFind(text, out int id) ? id : -1;

    /// <summary>The id llama.cpp gives this text (the last token holding it).</summary>
    internal bool TryFindToken(ReadOnlySpan<char> text, out int id) => _tokens.TryFind(text, out id);

    /// <summary>Token <paramref name="id"/>'s text, without creating a string.</summary>
    internal ReadOnlySpan<char> TokenText(int id) => _tokens.Text(id);

    /// <summary>Merge <paramref name="index"/> ("left right"), without creating a string.</summary>
    internal ReadOnlySpan<char> MergeText(int index) => _merges.Text(index);

    public static GgufVocabulary FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string source = Path.GetFileName(file.Path);
        string model = file.GetString("tokenizer.ggml.model");
        string pre = file.TryGetString("tokenizer.ggml.pre", out var p) && p.Length > 0 ? p : "default";
        const string tokensKey = "tokenizer.ggml.tokens";
        // Read straight from the map into one buffer: no string per token, and none left behind in the file's metadata.
        var tokens = GgufTextTable.FromGguf(file, tokensKey, i => $"[EMPTY_{i}]", indexed: true) // llama.cpp's stand-in for empty texts
            ?? throw new LoomException(LoomErrorCode.InvalidFormat, $"{source}: metadata key '{tokensKey}' is missing");
        int n = tokens.Count;
        var types = new GgufTokenType[n];
        if (file.TryGetArray<int>("tokenizer.ggml.token_type", out var rawTypes))
        {
            if (rawTypes.Length != n)
                throw LoomException.Format(source, $"tokenizer.ggml.token_type has {rawTypes.Length} entries, tokenizer.ggml.tokens {n}");
            for (int i = 0; i < n; i++)
                types[i] = rawTypes[i] is >= 0 and <= 6 ? (GgufTokenType)rawTypes[i] : GgufTokenType.Undefined;
        }
        else
        {
            Array.Fill(types, GgufTokenType.Normal);
        }
        var scores = new float[n];
        if (file.TryGetArray<float>("tokenizer.ggml.scores", out var rawScores))
        {
            if (rawScores.Length != n)
                throw LoomException.Format(source, $"tokenizer.ggml.scores has {rawScores.Length} entries, tokenizer.ggml.tokens {n}");
            scores = rawScores;
        }
        var merges = GgufTextTable.FromGguf(file, "tokenizer.ggml.merges", fill: null, indexed: false) ?? GgufTextTable.Of([], indexed: false);
        bool spm = model == "llama";
        // llama.cpp's defaults when the keys are absent: SentencePiece <unk>=0 <s>=1 </s>=2, GPT-2 BPE 11.
        int bos = Id(file, "tokenizer.ggml.bos_token_id", spm ? 1 : 11, n, source);
        int eos = Id(file, "tokenizer.ggml.eos_token_id", spm ? 2 : 11, n, source);
        int unk = Id(file, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n, source);
        bool addBos = file.TryGetBool("tokenizer.ggml.add_bos_token", out var ab) ? ab : spm || pre is "llama-bpe" or "llama3" or "llama-v3";
        bool addEos = file.TryGetBool("tokenizer.ggml.add_eos_token", out var ae) && ae;
        bool addSpace = file.TryGetBool("tokenizer.ggml.add_space_prefix", out var sp) ? sp : spm;
        return new GgufVocabulary(source, model, pre, tokens, types, scores, merges, bos, eos, unk, addBos, addEos, addSpace);
    }

    private static int Id(GgufFile file, string key, int fallback, int count, string source)
    {
        if (!file.ContainsKey(key)) return fallback;
        long id = file.GetValue(key).Value switch
        {
            uint u => u,
            int i => i,
            ulong ul => (long)Math.Min(ul, long.MaxValue),
            long l => l,
            _ => throw LoomException.Format(source, $"metadata '{key}': expected an integer token id, found {file.GetValue(key).Type}"),
        };
        if (id < 0 || id >= count)
            throw LoomException.Format(source, $"metadata '{key}' = {id}: expected a token id in 0..{count - 1}");
        return (int)id;
    }

    /// <summary>
    /// llama.cpp's load-time fix-ups: the fill-in-the-middle markers and every end-of-generation text become CONTROL
    /// if the file typed them otherwise; returns the end-of-generation set.
    /// </summary>
    private HashSet<int> RetypeControlLookingTokens(GgufTokenType[] types, List<int> forced)
    {
        void MakeControl(int id)
        {
            if (types[id] == GgufTokenType.Control) return;
            types[id] = GgufTokenType.Control;
            forced.Add(id);
        }
        int FirstOf(string[] texts)
        {
            foreach (var t in texts)
                if (_tokens.TryFind(t, out int id)) return id;
            return -1;
        }
        var eog = new HashSet<int>();
        string[][] fim = [LlamaCppSpecialTokenTexts.FimPrefix, LlamaCppSpecialTokenTexts.FimSuffix, LlamaCppSpecialTokenTexts.FimMiddle,
            LlamaCppSpecialTokenTexts.FimPad, LlamaCppSpecialTokenTexts.FimRepo, LlamaCppSpecialTokenTexts.FimSeparator];
        for (int g = 0; g < fim.Length; g++)
        {
            int id = FirstOf(fim[g]);
            if (id < 0) continue;
            MakeControl(id);
            if (g >= 3) eog.Add(id); // pad, repo, separator
        }
        foreach (var text in LlamaCppSpecialTokenTexts.EndOfGeneration)
        {
            if (!_tokens.TryFind(text, out int id)) continue;
            eog.Add(id);
            MakeControl(id);
        }
        eog.Add(EosId);
        forced.Sort();
        return eog;
    }
}
