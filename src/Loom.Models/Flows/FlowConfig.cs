using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core;
using Loom.Models.Storage;

namespace Loom.Models.Flows;

/// <summary>
/// The shape of a Glow-style multi-scale flow. Saved as loom.json's config; every field has a default sized for
/// 32×32 images on a 2-core CPU (tens of thousands of images per minute is out of reach there, so capacity is spent
/// where it buys the most bits/dim per second).
/// </summary>
public sealed record FlowConfig
{
    /// <summary>Image channels (1 gray, 3 RGB, 4 RGBA): set from the data.</summary>
    public int Channels { get; init; } = 4;

    /// <summary>Image height; must divide by 2^Levels (each level squeezes by 2).</summary>
    public int Height { get; init; } = 32;

    /// <summary>Image width; must divide by 2^Levels.</summary>
    public int Width { get; init; } = 32;

    /// <summary>Squeeze → steps → split levels: 3 takes 32×32 to 4×4, where the last couplings see the whole image.</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Steps of flow (actnorm, 1×1 conv, coupling) per level (Glow's K): depth is most of the likelihood.</summary>
    public int StepsPerLevel { get; init; } = 4;

    /// <summary>Hidden channels of each coupling's conv net: most of the compute goes here.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>How couplings and split priors bound their scales (see <see cref="CouplingScale"/>); new flows use the soft clamp.</summary>
    public CouplingScale Coupling { get; init; } = CouplingScale.SoftClamp;

    /// <summary>Values per image, D = C·H·W (the denominator of bits/dim).</summary>
    [JsonIgnore]
    public int Dimensions => Channels * Height * Width;

    /// <summary>The settings `--set key=value` may change, with what each means (for help and error messages).</summary>
    public static IReadOnlyDictionary<string, string> SettingKeys { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["levels"] = "squeeze/split levels (default 3)",
        ["stepsPerLevel"] = "steps of flow per level (default 4)",
        ["hidden"] = "hidden channels of the coupling nets (default 64)",
        ["coupling"] = "softClamp (default: bounded scales, stable sampling) or sigmoid (the first kind, for comparison)",
    };

    /// <summary>This config with the given `--set` settings applied; an unknown key or a bad value is a LoomException naming it.</summary>
    public FlowConfig With(IReadOnlyDictionary<string, string> settings)
    {
        var config = this;
        foreach (var (key, value) in settings)
        {
            int Parse() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : throw LoomException.Argument($"flow: setting '{key}' must be an integer, found '{value}'");
            config = key.ToLowerInvariant() switch
            {
                "levels" => config with { Levels = Parse() },
                "stepsperlevel" => config with { StepsPerLevel = Parse() },
                "hidden" => config with { Hidden = Parse() },
                "coupling" => config with { Coupling = ParseCoupling(value) ?? throw LoomException.Argument(
                    $"flow: setting 'coupling' must be softClamp or sigmoid, found '{value}'") },
                _ => throw LoomException.Argument($"flow: unknown setting '{key}'; expected one of: {string.Join(", ", SettingKeys.Keys)}"),
            };
        }
        return config;
    }

    /// <summary>Throws a LoomException naming the first field out of range (<paramref name="source"/> names where it came from).</summary>
    public void Validate(string source = "flow config")
    {
        if (Channels < 1) throw LoomException.Argument($"{source}: channels must be at least 1, found {Channels}");
        if (Levels < 1 || Levels > 8) throw LoomException.Argument($"{source}: levels must be in 1..8, found {Levels}");
        if (StepsPerLevel < 1) throw LoomException.Argument($"{source}: stepsPerLevel must be at least 1, found {StepsPerLevel}");
        if (Hidden < 1) throw LoomException.Argument($"{source}: hidden must be at least 1, found {Hidden}");
        if (!Enum.IsDefined(Coupling)) throw LoomException.Argument($"{source}: coupling must be softClamp or sigmoid, found {Coupling}");
        int factor = 1 << Levels;
        if (Height < factor || Width < factor || Height % factor != 0 || Width % factor != 0)
            throw LoomException.Argument($"{source}: {Levels} levels squeeze by {factor}, so height and width must be multiples of {factor}; found {Height}×{Width}");
    }

    private static CouplingScale? ParseCoupling(string value) => value.ToLowerInvariant() switch
    {
        "softclamp" => CouplingScale.SoftClamp,
        "sigmoid" => CouplingScale.Sigmoid,
        _ => null,
    };

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, ModelDirectory.JsonOptions)!.AsObject();

    /// <summary>Reads a config written by <see cref="ToJson"/>; errors name <paramref name="source"/>.</summary>
    public static FlowConfig FromJson(JsonObject? node, string source)
    {
        if (node is null) throw LoomException.Format(source, "the flow config is missing");
        FlowConfig? config;
        try { config = node.Deserialize<FlowConfig>(ModelDirectory.JsonOptions); }
        catch (JsonException e) { throw LoomException.Format(source, $"the flow config is not valid: {e.Message}"); }
        if (config is null) throw LoomException.Format(source, "the flow config is null");
        // Flows saved before "coupling" existed all used the sigmoid kind; their weights only fit that layout.
        if (!node.ContainsKey("coupling")) config = config with { Coupling = CouplingScale.Sigmoid };
        try { config.Validate(source); }
        catch (LoomException e) { throw new LoomException(LoomErrorCode.InvalidFormat, e.Message); }
        return config;
    }
}
