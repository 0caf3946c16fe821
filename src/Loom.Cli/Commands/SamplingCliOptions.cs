using System.CommandLine;
using Loom.Text.Sampling;

namespace Loom.Cli;

/// <summary>
/// The sampling flags every text-generating verb takes (`loom generate`, `loom run`, `loom chat`): one definition,
/// so their names, defaults and meaning cannot drift apart.
/// </summary>
internal sealed class SamplingCliOptions
{
    public SamplingCliOptions(int defaultMaxTokens)
    {
        MaxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate per sample", DefaultValueFactory = _ => defaultMaxTokens };
    }

    public Option<int> MaxTokens { get; }
    public Option<float> Temperature { get; } = new("--temperature") { Description = "Sampling temperature; 0 is greedy", DefaultValueFactory = _ => 1f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Keep the K most likely tokens (0: off)" };
    public Option<float> TopP { get; } = new("--top-p") { Description = "Nucleus sampling mass (1: off)", DefaultValueFactory = _ => 1f };
    public Option<float> MinP { get; } = new("--min-p") { Description = "Keep tokens at least this fraction as likely as the best (0: off)" };
    public Option<float> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "Divide recent tokens' logits by this (1: off)", DefaultValueFactory = _ => 1f };
    public Option<float> PresencePenalty { get; } = new("--presence-penalty") { Description = "Subtract from the logit of every recent token (OpenAI style)" };
    public Option<float> FrequencyPenalty { get; } = new("--frequency-penalty") { Description = "Subtract per occurrence of a recent token (OpenAI style)" };
    public Option<string[]> Stop { get; } = new("--stop") { Description = "Stop before this text appears (repeatable)", AllowMultipleArgumentsPerToken = false };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "Seed: the same seed gives the same text (sample i uses seed + i)" };

    public IEnumerable<Option> All => [MaxTokens, Temperature, TopK, TopP, MinP, RepetitionPenalty, PresencePenalty, FrequencyPenalty, Stop, Seed];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>The options the flags ask for; without --seed, a random seed (reported by the verbs so a run can be repeated).</summary>
    public SamplingOptions Read(ParseResult parse) => new()
    {
        MaxTokens = parse.GetValue(MaxTokens),
        Temperature = parse.GetValue(Temperature),
        TopK = parse.GetValue(TopK),
        TopP = parse.GetValue(TopP),
        MinP = parse.GetValue(MinP),
        RepetitionPenalty = parse.GetValue(RepetitionPenalty),
        PresencePenalty = parse.GetValue(PresencePenalty),
        FrequencyPenalty = parse.GetValue(FrequencyPenalty),
        StopStrings = parse.GetValue(Stop) is { Length: > 0 } stops ? stops : null,
        Seed = parse.GetValue(Seed) ?? (ulong)Random.Shared.NextInt64(),
    };
}
