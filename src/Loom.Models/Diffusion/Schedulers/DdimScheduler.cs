using Loom.Core;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>
/// DDIM (Song et al. 2021): x_prev = √ᾱ_prev·x̂₀ + √(1 − ᾱ_prev − σ²)·ε + σ·z with
/// σ = η·√((1 − ᾱ_prev)/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev). η = 0 is deterministic and follows the same trajectory
/// for any number of steps, which is why 50 steps suffice where DDPM wants hundreds.
/// </summary>
public sealed class DdimScheduler(NoiseSchedule schedule, double eta) : DiffusionScheduler(schedule)
{
    public override string Name => "ddim";

    public double Eta { get; } = eta >= 0 && eta <= 1 ? eta : throw LoomException.Argument($"ddim: eta must be in [0, 1], found {eta}");

    protected override void StepValues(ReadOnlySpan<float> epsilon, int timestep, int previous, ReadOnlySpan<float> sample,
        Span<float> result, LoomRandom rng)
    {
        var x0 = new float[sample.Length];
        PredictOriginal(epsilon, timestep, sample, x0);
        double alphaBar = Schedule.AlphaBar(timestep), alphaBarPrevious = Schedule.AlphaBar(previous);
        double sigma = Eta * Math.Sqrt((1 - alphaBarPrevious) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrevious));
        double x0Coefficient = Math.Sqrt(alphaBarPrevious);
        double epsilonCoefficient = Math.Sqrt(Math.Max(1 - alphaBarPrevious - sigma * sigma, 0));
        for (int i = 0; i < result.Length; i++)
            result[i] = (float)(x0Coefficient * x0[i] + epsilonCoefficient * epsilon[i]);
        if (sigma == 0) return;
        for (int i = 0; i < result.Length; i++) result[i] += (float)(sigma * rng.NextGaussian());
    }
}
