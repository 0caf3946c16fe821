using Loom.Core;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>The samplers by name, built from a saved <see cref="SchedulerConfig"/>.</summary>
public static class DiffusionSchedulers
{
    public static IReadOnlyList<string> Names { get; } = ["ddim", "ddpm"];

    /// <summary>The scheduler named <paramref name="name"/> (null: the config's default) over the config's schedule.</summary>
    public static DiffusionScheduler Create(SchedulerConfig config, string? name = null) => Create(new NoiseSchedule(config), name);

    public static DiffusionScheduler Create(NoiseSchedule schedule, string? name = null)
    {
        string chosen = (name ?? schedule.Config.DefaultSampler).ToLowerInvariant();
        CheckName(chosen, "sampler");
        return chosen == "ddpm" ? new DdpmScheduler(schedule) : new DdimScheduler(schedule, schedule.Config.Eta);
    }

    /// <summary>Throws a LoomException (starting with <paramref name="what"/>) unless the name is a known sampler.</summary>
    public static void CheckName(string? name, string what)
    {
        if (name is null || !Names.Contains(name.ToLowerInvariant()))
            throw LoomException.Argument($"{what}: unknown sampler '{name}'; expected one of: {string.Join(", ", Names)}");
    }
}
