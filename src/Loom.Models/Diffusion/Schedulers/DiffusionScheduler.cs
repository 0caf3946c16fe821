using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Schedulers;

/// <summary>
/// What every sampler shares (diffusers' scheduler shape): <see cref="SetTimesteps"/> picks the timesteps a run
/// visits, <see cref="Step"/> moves a sample from one of them to the next given the model's ε, and
/// <see cref="AddNoise"/> is the forward process (training, inpainting). Samplers work on plain values with no
/// autograd: sampling never backpropagates.
/// </summary>
public abstract class DiffusionScheduler
{
    private int[] _timesteps = [];
    private readonly Dictionary<int, int> _previous = [];

    protected DiffusionScheduler(NoiseSchedule schedule) => Schedule = schedule;

    public NoiseSchedule Schedule { get; }

    /// <summary>"ddpm" or "ddim".</summary>
    public abstract string Name { get; }

    /// <summary>The timesteps of the current run, from the noisiest down (set by <see cref="SetTimesteps"/>).</summary>
    public IReadOnlyList<int> Timesteps => _timesteps;

    /// <summary>
    /// Chooses <paramref name="steps"/> timesteps out of T with "trailing" spacing: t_i = round(T − i·T/steps) − 1,
    /// so every run starts at T − 1 (where the model was trained on nearly pure noise) whatever the step count, and
    /// the last step lands on the clean image (t = −1).
    /// </summary>
    public void SetTimesteps(int steps)
    {
        int total = Schedule.Timesteps;
        if (steps < 1 || steps > total) throw LoomException.Argument($"{Name}: steps must be in 1..{total}, found {steps}");
        var timesteps = new int[steps];
        for (int i = 0; i < steps; i++) timesteps[i] = (int)Math.Round(total - i * (double)total / steps) - 1;
        _timesteps = timesteps;
        _previous.Clear();
        for (int i = 0; i < steps; i++) _previous[timesteps[i]] = i + 1 < steps ? timesteps[i + 1] : -1;
    }

    /// <summary>The timestep after <paramref name="timestep"/> in this run (−1 after the last: the clean image).</summary>
    public int PreviousTimestep(int timestep) => _previous.TryGetValue(timestep, out int previous) ? previous
        : throw LoomException.Argument($"{Name}: timestep {timestep} is not one of this run's {_timesteps.Length} timesteps (call SetTimesteps first)");

    /// <summary>x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε, every image of [n, …] at the same <paramref name="timestep"/> (−1: x₀ itself).</summary>
    public Tensor AddNoise(Tensor x0, Tensor noise, int timestep)
    {
        if (!ShapeUtil.SameShape(x0.Shape, noise.Shape))
            throw LoomException.Shape($"{Name} add noise", $"image {ShapeUtil.Format(x0.Shape)} and noise {ShapeUtil.Format(noise.Shape)} differ");
        var result = new float[x0.Length];
        var timesteps = new int[x0.Size(0)];
        Array.Fill(timesteps, timestep);
        Schedule.AddNoise(x0.ToArray(), noise.ToArray(), timesteps, result);
        return new Tensor(result, x0.ShapeArray);
    }

    /// <summary>
    /// One reverse step: from <paramref name="sample"/> x_t at <paramref name="timestep"/> and the model's noise
    /// estimate <paramref name="epsilon"/> to x at the next timestep of the run. Randomness (DDPM, DDIM with η &gt; 0)
    /// comes from <paramref name="rng"/>.
    /// </summary>
    public Tensor Step(Tensor epsilon, int timestep, Tensor sample, LoomRandom rng)
    {
        if (!ShapeUtil.SameShape(epsilon.Shape, sample.Shape))
            throw LoomException.Shape($"{Name} step", $"epsilon {ShapeUtil.Format(epsilon.Shape)} and sample {ShapeUtil.Format(sample.Shape)} differ");
        int previous = PreviousTimestep(timestep);
        var result = new float[sample.Length];
        StepValues(epsilon.ToArray(), timestep, previous, sample.ToArray(), result, rng);
        return new Tensor(result, sample.ShapeArray);
    }

    /// <summary>The step on plain values: x_prev into <paramref name="result"/>.</summary>
    protected abstract void StepValues(ReadOnlySpan<float> epsilon, int timestep, int previous, ReadOnlySpan<float> sample,
        Span<float> result, LoomRandom rng);

    /// <summary>x̂₀ = (x_t − √(1 − ᾱ_t)·ε)/√ᾱ_t, clipped to [−1, 1] when the config says so.</summary>
    protected void PredictOriginal(ReadOnlySpan<float> epsilon, int timestep, ReadOnlySpan<float> sample, Span<float> x0)
    {
        double alphaBar = Schedule.AlphaBar(timestep);
        double a = 1 / Math.Sqrt(alphaBar), b = Math.Sqrt(1 - alphaBar) / Math.Sqrt(alphaBar);
        bool clip = Schedule.Config.ClipSample;
        for (int i = 0; i < x0.Length; i++)
        {
            float value = (float)(a * sample[i] - b * epsilon[i]);
            x0[i] = clip ? Math.Clamp(value, -1f, 1f) : value;
        }
    }
}
