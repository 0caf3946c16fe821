using System.Globalization;
using Loom.Core;
using Loom.Models.Storage;
using Loom.Text.Tokenizers;
using Loom.Training.Text;

namespace Loom.Models.Transformer;

/// <summary>
/// Text made ready for a language model: the tokenizer and the tokenized training and validation sets.
/// </summary>
/// <remarks>
/// In lines mode the line break is the boundary token that starts and ends every line. It is a special token of the
/// tokenizer (char or BPE), so a saved model tells its mode by itself (<see cref="ModeOf"/>) and a sampler that
/// starts from "\n" and stops at "\n" produces one line.
/// </remarks>
public sealed record LanguageModelData(ITokenizer Tokenizer, TextMode Mode, ITokenDataset Train, ITokenDataset Validation)
{
    /// <summary>The boundary special token of lines mode.</summary>
    public const string LineBoundary = "\n";

    /// <summary>How the sequences were formed, for the model directory's loom.json (generation repeats it).</summary>
    public TextFormat Format => Mode == TextMode.Lines
        ? new TextFormat { Mode = TextFormat.LinesMode, Boundary = Tokenizer.SpecialTokens[LineBoundary] }
        : new TextFormat { Mode = TextFormat.StreamMode };

    /// <summary>Lines mode when the tokenizer has the line boundary as a special token, else stream mode.</summary>
    public static TextMode ModeOf(ITokenizer tokenizer) =>
        tokenizer.SpecialTokens.ContainsKey(LineBoundary) ? TextMode.Lines : TextMode.Stream;

    /// <summary>
    /// Builds the tokenizer named by <paramref name="spec"/> — "char" (the characters of all the text, validation
    /// included, so no validation character is unknown) or "bpe:N" (byte-level BPE with N ids trained on the
    /// training text only) — and tokenizes both splits for a model of <paramref name="contextLength"/>.
    /// </summary>
    public static LanguageModelData Create(TextSplit split, TextMode mode, string spec, int contextLength,
        IProgress<int>? bpeProgress = null, CancellationToken cancellation = default)
    {
        var tokenizer = BuildTokenizer(spec, mode, split, bpeProgress, cancellation);
        return new LanguageModelData(tokenizer, mode,
            Tokenize(split.Train, mode, tokenizer, contextLength, "training data"),
            Tokenize(split.Validation, mode, tokenizer, contextLength, "validation data"));
    }

    public static ITokenizer BuildTokenizer(string spec, TextMode mode, TextSplit split, IProgress<int>? bpeProgress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<string> specials = mode == TextMode.Lines ? [LineBoundary] : [];
        if (spec == "char") return CharTokenizer.Build(split.Train + split.Validation, specials);
        if (spec.StartsWith("bpe:", StringComparison.Ordinal)
            && int.TryParse(spec.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int vocab))
        {
            if (vocab < 257 + specials.Count)
                throw LoomException.Argument($"tokenizer {spec}: a byte-level BPE vocabulary needs more than 256 + {specials.Count} ids (the bytes and special tokens)");
            return BpeTrainer.Train(split.Train, new BpeTrainerOptions { VocabSize = vocab, SpecialTokens = specials, Progress = bpeProgress }, cancellation);
        }
        throw LoomException.Argument($"tokenizer: expected 'char' or 'bpe:N' (e.g. bpe:1024), found '{spec}'");
    }

    /// <summary>The dataset of <paramref name="text"/> in <paramref name="mode"/>; characters the tokenizer lacks are an error naming the data.</summary>
    public static ITokenDataset Tokenize(string text, TextMode mode, ITokenizer tokenizer, int contextLength, string name)
    {
        try
        {
            if (mode == TextMode.Stream)
                return new TokenStreamDataset(tokenizer.Encode(text), contextLength, text.EnumerateRunes().Count(), name);
            if (!tokenizer.SpecialTokens.TryGetValue(LineBoundary, out int boundary))
                throw LoomException.Argument($"{name}: lines mode needs a tokenizer with the line boundary \"\\n\" as a special token (this one was built for stream mode)");
            string[] lines = TextSplit.Lines(text);
            long characters = lines.Sum(l => (long)l.EnumerateRunes().Count() + 1); // each line's break is the end token
            return new LineDataset(lines.Select(tokenizer.Encode).ToList(), boundary, contextLength, characters, name);
        }
        catch (LoomException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new LoomException(e.Code, $"{name}: {e.Message}", e);
        }
    }
}
