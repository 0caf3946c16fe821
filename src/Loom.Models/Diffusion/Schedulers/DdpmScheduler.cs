using Loom.Core;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>
/// Ancestral sampling (Ho et al. 2020): x_prev ~ q(x_prev | x_t, x̂₀), the Gaussian posterior of the forward process
/// given the predicted clean image, with its variance β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t)·β'. With fewer steps than T the
/// step uses the skipped-step β' = 1 − ᾱ_t/ᾱ_prev, which is exact for any subsequence of timesteps.
/// </summary>
public sealed class DdpmScheduler(NoiseSchedule schedule) : DiffusionScheduler(schedule)
{
    public override string Name => "ddpm";

    protected override void StepValues(ReadOnlySpan<float> epsilon, int timestep, int previous, ReadOnlySpan<float> sample,
        Span<float> result, LoomRandom rng)
    {
        var x0 = new float[sample.Length];
        PredictOriginal(epsilon, timestep, sample, x0);
        PosteriorMean(x0, sample, timestep, previous, result);
        if (previous < 0) return; // the last step returns the mean: no noise on the final image
        float std = (float)Math.Sqrt(PosteriorVariance(timestep, previous));
        for (int i = 0; i < result.Length; i++) result[i] += std * (float)rng.NextGaussian();
    }

    /// <summary>μ̃ = √ᾱ_prev·β'/(1 − ᾱ_t)·x₀ + √(1 − β')·(1 − ᾱ_prev)/(1 − ᾱ_t)·x_t (Ho et al., eq. 7).</summary>
    public void PosteriorMean(ReadOnlySpan<float> x0, ReadOnlySpan<float> sample, int timestep, int previous, Span<float> mean)
    {
        double alphaBar = Schedule.AlphaBar(timestep), alphaBarPrevious = Schedule.AlphaBar(previous);
        double beta = 1 - alphaBar / alphaBarPrevious;
        double x0Coefficient = Math.Sqrt(alphaBarPrevious) * beta / (1 - alphaBar);
        double sampleCoefficient = Math.Sqrt(1 - beta) * (1 - alphaBarPrevious) / (1 - alphaBar);
        for (int i = 0; i < mean.Length; i++) mean[i] = (float)(x0Coefficient * x0[i] + sampleCoefficient * sample[i]);
    }

    /// <summary>β̃ = (1 − ᾱ_prev)/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_prev).</summary>
    public double PosteriorVariance(int timestep, int previous)
    {
        double alphaBar = Schedule.AlphaBar(timestep), alphaBarPrevious = Schedule.AlphaBar(previous);
        return Math.Max((1 - alphaBarPrevious) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrevious), 0);
    }
}
