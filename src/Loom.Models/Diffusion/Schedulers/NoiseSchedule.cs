using Loom.Core;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>
/// The cosine schedule of Nichol &amp; Dhariwal (2021): ᾱ(t) = f(t)/f(0) with f(t) = cos²(((t/T) + s)/(1 + s)·π/2),
/// turned into per-step β_t = 1 − ᾱ(t+1)/ᾱ(t) clipped to <see cref="SchedulerConfig.MaxBeta"/>, and ᾱ_t recomputed
/// as the running product of (1 − β) so that β and ᾱ agree exactly. Index t = 0 is the least noisy step.
/// Held in double: the samplers' coefficients are ratios of ᾱ values close to 0 and 1.
/// </summary>
public sealed class NoiseSchedule
{
    private readonly double[] _betas;
    private readonly double[] _alphaBars;

    public NoiseSchedule(SchedulerConfig config)
    {
        config.Validate("scheduler config");
        int steps = config.TrainTimesteps;
        double F(double t) => Math.Pow(Math.Cos((t / steps + config.CosineOffset) / (1 + config.CosineOffset) * Math.PI / 2), 2);
        _betas = new double[steps];
        _alphaBars = new double[steps];
        double product = 1;
        for (int t = 0; t < steps; t++)
        {
            _betas[t] = Math.Min(1 - F(t + 1) / F(t), config.MaxBeta);
            product *= 1 - _betas[t];
            _alphaBars[t] = product;
        }
        Config = config;
    }

    public SchedulerConfig Config { get; }

    /// <summary>T, the number of training timesteps.</summary>
    public int Timesteps => _betas.Length;

    public double Beta(int t) => _betas[Check(t)];

    /// <summary>ᾱ_t = Π_{s ≤ t}(1 − β_s); for t = −1 (before the first step: the clean image) 1.</summary>
    public double AlphaBar(int t) => t == -1 ? 1.0 : _alphaBars[Check(t)];

    /// <summary>
    /// Forward process q(x_t | x₀): x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε for one timestep per image. All spans hold
    /// [n, …] with <paramref name="timesteps"/>.Length = n images of equal size.
    /// </summary>
    public void AddNoise(ReadOnlySpan<float> x0, ReadOnlySpan<float> noise, ReadOnlySpan<int> timesteps, Span<float> result)
    {
        int n = timesteps.Length;
        if (n == 0 || x0.Length != noise.Length || x0.Length != result.Length || x0.Length % n != 0)
            throw LoomException.Argument($"add noise: {x0.Length} image values, {noise.Length} noise values, {result.Length} outputs and {n} timesteps do not fit");
        int size = x0.Length / n;
        for (int i = 0; i < n; i++)
        {
            double alphaBar = AlphaBar(timesteps[i]);
            float a = (float)Math.Sqrt(alphaBar), b = (float)Math.Sqrt(1 - alphaBar);
            for (int j = i * size; j < (i + 1) * size; j++) result[j] = a * x0[j] + b * noise[j];
        }
    }

    private int Check(int t) => (uint)t < (uint)_betas.Length ? t
        : throw LoomException.Argument($"noise schedule: timestep {t} is outside 0..{_betas.Length - 1}");
}
