using System.Globalization;
using Loom.Core;
using Loom.Models.Diffusion.Models;
using Loom.Models.Diffusion.Schedulers;
using Loom.Training.Images;

namespace Loom.Models.Diffusion;

/// <summary>
/// The `--set key=value` settings of the diffusion family (keys case-insensitive; an unknown key is an error that
/// lists the known ones). Model: channels (32), mults (1,2,2), attention (8: image sides with self-attention, or
/// "none"), blocks (1), groups (8), headChannels (32), condition (caption when the images have captions, else none),
/// conditionDropout (0.1), wordDim (64). Schedule and sampling defaults: timesteps (1000), sampler (ddim), steps (50),
/// eta (0), clip (true).
/// </summary>
public static class DiffusionSettings
{
    public static IReadOnlyList<string> Keys { get; } =
        ["channels", "mults", "attention", "blocks", "groups", "headChannels", "condition", "conditionDropout", "wordDim",
         "timesteps", "sampler", "steps", "eta", "clip"];

    /// <summary>The model and scheduler configs for training on <paramref name="train"/> with these settings.</summary>
    public static (DiffusionConfig Model, SchedulerConfig Scheduler) Parse(IReadOnlyDictionary<string, string> settings, ImageTensorSet train)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            if (!Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw LoomException.Argument($"diffusion: unknown setting '{key}'; expected one of: {string.Join(", ", Keys)}");
            values[key] = value.Trim();
        }
        string? Get(string key) => values.GetValueOrDefault(key);

        var unet = new UNetConfig
        {
            ImageChannels = train.Channels,
            ImageSize = train.Height == train.Width ? train.Height
                : throw LoomException.Argument($"diffusion: images must be square, found {train.Height}×{train.Width}"),
        };
        unet = unet with
        {
            BaseChannels = Int(Get("channels"), "channels") ?? unet.BaseChannels,
            ChannelMultipliers = IntList(Get("mults"), "mults") ?? unet.ChannelMultipliers,
            AttentionResolutions = Get("attention") is "none" or "" ? [] : IntList(Get("attention"), "attention") ?? unet.AttentionResolutions,
            BlocksPerLevel = Int(Get("blocks"), "blocks") ?? unet.BlocksPerLevel,
            NormGroups = Int(Get("groups"), "groups") ?? unet.NormGroups,
            HeadChannels = Int(Get("headChannels"), "headChannels") ?? unet.HeadChannels,
        };

        bool hasCaptions = train.HasCaptions && Enumerable.Range(0, train.Count).Any(i => train.Caption(i) is not null);
        string condition = Get("condition")?.ToLowerInvariant() ?? (hasCaptions ? DiffusionConfig.CaptionCondition : DiffusionConfig.NoCondition);
        if (condition == DiffusionConfig.CaptionCondition && !hasCaptions)
            throw LoomException.Argument("diffusion: condition=caption needs captions, but the training images have none (give a captions CSV, or set condition=none)");
        var defaults = new DiffusionConfig();
        var model = new DiffusionConfig
        {
            Unet = unet,
            Condition = condition,
            WordDim = Int(Get("wordDim"), "wordDim") ?? defaults.WordDim,
            ConditionDropout = Float(Get("conditionDropout"), "conditionDropout") ?? defaults.ConditionDropout,
        }.Validate("diffusion");

        var scheduler = new SchedulerConfig();
        scheduler = scheduler with
        {
            TrainTimesteps = Int(Get("timesteps"), "timesteps") ?? scheduler.TrainTimesteps,
            DefaultSampler = Get("sampler")?.ToLowerInvariant() ?? scheduler.DefaultSampler,
            DefaultSteps = Int(Get("steps"), "steps") ?? scheduler.DefaultSteps,
            Eta = Float(Get("eta"), "eta") ?? scheduler.Eta,
            ClipSample = Get("clip") is { } clip ? Bool(clip, "clip") : scheduler.ClipSample,
        };
        return (model, scheduler.Validate("diffusion settings"));
    }

    private static int? Int(string? text, string key) => text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw LoomException.Argument($"diffusion: setting '{key}' must be an integer, found '{text}'");

    private static float? Float(string? text, string key) => text is null ? null
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value
        : throw LoomException.Argument($"diffusion: setting '{key}' must be a number, found '{text}'");

    private static bool Bool(string text, string key) => bool.TryParse(text, out bool value) ? value
        : throw LoomException.Argument($"diffusion: setting '{key}' must be true or false, found '{text}'");

    private static int[]? IntList(string? text, string key) => text?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(part => Int(part, key)!.Value).ToArray();
}
