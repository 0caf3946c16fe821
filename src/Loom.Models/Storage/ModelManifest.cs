using System.Text.Json.Nodes;
using Loom.Training.Trainer;

namespace Loom.Models.Storage;

/// <summary>
/// loom.json, the description at the root of every model directory: which family reads it, that family's config,
/// the tokenizer, where the data and code came from, and how training went. Written last, so its presence means the
/// directory is complete.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;

    /// <summary>Bumped when the layout changes incompatibly; readers refuse versions they do not know.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Which model family wrote the directory ("transformer-lm", "vae", …) and so can read it.</summary>
    public required string Family { get; init; }

    /// <summary>The family's config, in its own JSON form.</summary>
    public JsonObject? Config { get; init; }

    /// <summary>The tokenizer, for families that have one.</summary>
    public TokenizerEntry? Tokenizer { get; init; }

    /// <summary>File name of the weights inside the directory.</summary>
    public string Weights { get; init; } = ModelDirectory.WeightsFileName;

    /// <summary>How a language model's training sequences were formed (generation repeats it); null for other families.</summary>
    public TextFormat? Text { get; init; }

    public Provenance? Provenance { get; init; }

    public TrainingRecord? Training { get; init; }
}

/// <summary>How a language model saw its text, which generation must repeat to start and end sequences the same way.</summary>
public sealed record TextFormat
{
    public const string StreamMode = "stream";
    public const string LinesMode = "lines";

    /// <summary>"stream": windows cut from one long text; "lines": every line is boundary + tokens + boundary (names).</summary>
    public string Mode { get; init; } = StreamMode;

    /// <summary>The token that starts and ends every line in lines mode (generation starts with it and stops at it).</summary>
    public int? Boundary { get; init; }
}

/// <summary>The tokenizer's kind ("char", "bpe", "tiktoken:cl100k_base") and its file inside the directory.</summary>
public sealed record TokenizerEntry(string Kind, string File);

/// <summary>Where a model came from: the Loom that wrote it, when, the seed, and the data (with content hashes).</summary>
public sealed record Provenance
{
    public string LoomVersion { get; init; } = ModelDirectory.LoomVersion;
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    public ulong? Seed { get; init; }
    public IReadOnlyList<DataSource> Data { get; init; } = [];

    /// <summary>The base model this one was fine-tuned from (its directory), if any.</summary>
    public string? BaseModel { get; init; }
}

/// <summary>A training file or folder as it was used: its path, SHA-256 of its content, and size in bytes.</summary>
public sealed record DataSource(string Path, string Sha256, long Bytes);

/// <summary>How training went: steps, items seen (tokens for language models), the final losses and the time it took.</summary>
public sealed record TrainingRecord
{
    public long Steps { get; init; }
    public long Tokens { get; init; }
    public double? TrainLoss { get; init; }
    public double? ValLoss { get; init; }
    public double? Seconds { get; init; }

    /// <summary>The record of a <see cref="TrainingLoop"/> run that saw <paramref name="itemsPerStep"/> tokens per optimizer step.</summary>
    public static TrainingRecord From(TrainingSummary summary, long itemsPerStep) => new()
    {
        Steps = summary.Steps,
        Tokens = summary.Steps * itemsPerStep,
        TrainLoss = float.IsNaN(summary.FinalLoss) ? null : summary.FinalLoss,
        ValLoss = summary.Validation?.Loss,
        Seconds = Math.Round(summary.Elapsed.TotalSeconds, 1),
    };
}
