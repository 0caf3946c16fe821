using Loom.Core;
using Loom.Models.Storage;
using Loom.Text.Sampling;
using Loom.Text.Tokenizers;

namespace Loom.Models.Transformer;

/// <summary>
/// A language model read from a model directory: the model (in eval mode), its tokenizer and its loom.json, with the
/// pieces generation needs — how a prompt is encoded, which tokens end a sequence, and a <see cref="TextGenerator"/>.
/// </summary>
public sealed record LanguageModel(TransformerLm Model, ITokenizer Tokenizer, ModelManifest Manifest, string Directory)
{
    /// <summary>The text end marker of GPT-style vocabularies, used as start/end when the data had no boundary.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>
    /// The manifest's text format; when it has none, lines mode if the tokenizer has the line boundary "\n" as a
    /// special token (the convention of <see cref="LanguageModelData"/>), else stream mode.
    /// </summary>
    public TextFormat TextFormat => Manifest.Text ?? (Tokenizer.SpecialTokens.TryGetValue(LanguageModelData.LineBoundary, out int boundary)
        ? new TextFormat { Mode = TextFormat.LinesMode, Boundary = boundary }
        : new TextFormat());

    /// <summary>
    /// Prompt text to the tokens generation starts from. Lines mode puts the boundary first (a line starts after
    /// it, as in training); an empty stream-mode prompt starts from the boundary, &lt;|endoftext|&gt; or a line break,
    /// whichever the vocabulary has. Characters the tokenizer cannot encode fail with the character named.
    /// </summary>
    public int[] EncodePrompt(string prompt)
    {
        int[] tokens;
        try
        {
            tokens = Tokenizer.Encode(prompt);
        }
        catch (LoomException e)
        {
            throw new LoomException(e.Code, $"prompt: {e.Message}", e);
        }
        if (TextFormat.Mode == TextFormat.LinesMode && TextFormat.Boundary is { } boundary) return [boundary, .. tokens];
        return tokens.Length > 0 ? tokens : [StartToken()];
    }

    /// <summary>Tokens that end a generation: the line boundary (lines mode) and &lt;|endoftext|&gt; when the vocabulary has it.</summary>
    public IReadOnlyList<int> EndOfSequenceIds
    {
        get
        {
            var ids = new List<int>();
            if (TextFormat.Mode == TextFormat.LinesMode && TextFormat.Boundary is { } boundary) ids.Add(boundary);
            if (Tokenizer.SpecialTokens.TryGetValue(EndOfText, out int eot) && !ids.Contains(eot)) ids.Add(eot);
            return ids;
        }
    }

    /// <summary>A generator over a fresh KV-cached session of this model, streaming text through the tokenizer.</summary>
    public TextGenerator CreateGenerator() => new(new TransformerLogitSource(Model), EncodePrompt, () =>
    {
        var decoder = new StreamingDecoder(Tokenizer);
        return new DelegateTextStream(decoder.Push, decoder.Flush);
    }, EndOfSequenceIds);

    private int StartToken()
    {
        if (TextFormat.Boundary is { } boundary) return boundary;
        if (Tokenizer.SpecialTokens.TryGetValue(EndOfText, out int eot)) return eot;
        try
        {
            if (Tokenizer.Encode("\n") is [int newline]) return newline;
        }
        catch (LoomException)
        {
            // No line break in the vocabulary either.
        }
        throw LoomException.Argument("prompt: the prompt is empty and this model has no start token (boundary, <|endoftext|> or a line break); give a prompt");
    }
}
