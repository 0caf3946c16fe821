using System.Text.Json;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>
/// What fixes the noise schedule and the samplers' defaults, saved as scheduler.json beside the weights (as
/// diffusers does) so a model directory samples the same way wherever it is loaded. Every field has a default.
/// </summary>
public sealed record SchedulerConfig
{
    public const string FileName = "scheduler.json";

    /// <summary>Training timesteps T: the model saw t ∈ [0, T). 1000 is the DDPM paper's and Nichol &amp; Dhariwal's.</summary>
    public int TrainTimesteps { get; init; } = 1000;

    /// <summary>The cosine schedule's offset s: keeps β small near t = 0 so the first steps still carry signal.</summary>
    public double CosineOffset { get; init; } = 0.008;

    /// <summary>β is clipped to this, avoiding the singularity of the cosine schedule at t = T.</summary>
    public double MaxBeta { get; init; } = 0.999;

    /// <summary>Clip the predicted x₀ to [−1, 1] at each step (images live there; stops early-step blow-ups).</summary>
    public bool ClipSample { get; init; } = true;

    /// <summary>DDIM's η: 0 is deterministic DDIM, 1 matches DDPM's posterior variance.</summary>
    public double Eta { get; init; }

    /// <summary>"ddim" or "ddpm", when a sample request names none.</summary>
    public string DefaultSampler { get; init; } = "ddim";

    /// <summary>Sampling steps when a sample request gives none: DDIM needs far fewer than T.</summary>
    public int DefaultSteps { get; init; } = 50;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Throws a LoomException naming <paramref name="source"/> and the first field out of range.</summary>
    public SchedulerConfig Validate(string source)
    {
        if (TrainTimesteps < 2) throw LoomException.Format(source, $"trainTimesteps must be at least 2, found {TrainTimesteps}");
        if (!(CosineOffset >= 0 && CosineOffset < 1)) throw LoomException.Format(source, $"cosineOffset must be in [0, 1), found {CosineOffset}");
        if (!(MaxBeta > 0 && MaxBeta < 1)) throw LoomException.Format(source, $"maxBeta must be in (0, 1), found {MaxBeta}");
        if (!(Eta >= 0 && Eta <= 1)) throw LoomException.Format(source, $"eta must be in [0, 1], found {Eta}");
        DiffusionSchedulers.CheckName(DefaultSampler, $"{source}: defaultSampler");
        if (DefaultSteps < 1 || DefaultSteps > TrainTimesteps)
            throw LoomException.Format(source, $"defaultSteps must be in 1..{TrainTimesteps}, found {DefaultSteps}");
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates; errors start with <paramref name="source"/> (the file name).</summary>
    public static SchedulerConfig FromJson(string json, string source)
    {
        SchedulerConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<SchedulerConfig>(json, Json);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"scheduler config is not valid: {e.Message}");
        }
        return (config ?? throw LoomException.Format(source, "scheduler config is null")).Validate(source);
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    public static SchedulerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: scheduler config not found");
        return FromJson(File.ReadAllText(path), path);
    }
}
