using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core;
using Loom.Models.Diffusion.Models;

namespace Loom.Models.Diffusion;

/// <summary>
/// A diffusion model's shape, kept in loom.json's "config": the UNet, what it is conditioned on, the caption
/// encoder's width and how often training drops the condition (classifier-free guidance needs the model to know
/// both p(x) and p(x | c)). The noise schedule lives beside it in scheduler.json.
/// </summary>
public sealed record DiffusionConfig
{
    public const string CaptionCondition = "caption";
    public const string NoCondition = "none";

    public UNetConfig Unet { get; init; } = new();

    /// <summary>"caption": a caption text encoder trained jointly; "none": unconditional.</summary>
    public string Condition { get; init; } = CaptionCondition;

    /// <summary>Width of a caption word's embedding before the encoder's MLP.</summary>
    public int WordDim { get; init; } = 64;

    /// <summary>Probability that training replaces an image's condition by the learned null condition (≈0.1 in the CFG paper).</summary>
    public float ConditionDropout { get; init; } = 0.1f;

    [JsonIgnore]
    public bool IsConditional => Condition == CaptionCondition;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public DiffusionConfig Validate(string source)
    {
        Unet.Validate(source);
        if (Condition is not (CaptionCondition or NoCondition))
            throw LoomException.Argument($"{source}: condition must be '{CaptionCondition}' or '{NoCondition}', found '{Condition}'");
        if (WordDim < 1) throw LoomException.Argument($"{source}: wordDim must be positive, found {WordDim}");
        if (!(ConditionDropout >= 0 && ConditionDropout < 1))
            throw LoomException.Argument($"{source}: conditionDropout must be in [0, 1), found {ConditionDropout}");
        return this;
    }

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    public static DiffusionConfig FromJson(JsonNode? node, string source)
    {
        DiffusionConfig? config;
        try
        {
            config = node?.Deserialize<DiffusionConfig>(Json);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"diffusion config is not valid: {e.Message}");
        }
        if (config is null) throw LoomException.Format(source, "field 'config' is missing");
        try
        {
            return config.Validate(source);
        }
        catch (LoomException e)
        {
            throw LoomException.Format(source, e.Message);
        }
    }
}
