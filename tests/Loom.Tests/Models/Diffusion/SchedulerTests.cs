using Loom.Core;
using Loom.Models.Diffusion.Schedulers;
using Loom.Tensors;

namespace Loom.Tests.Models.Diffusion;

public class SchedulerTests
{
    private static float[] Values(ulong seed, int n, float low = -1, float high = 1) => Tensor.Rand(new LoomRandom(seed), [n], low, high).ToArray();

    [Theory]
    [InlineData("ddim")]
    [InlineData("ddpm")]
    public void Config_round_trips_through_json_to_identical_timesteps_and_coefficients(string sampler)
    {
        var config = new SchedulerConfig { TrainTimesteps = 500, CosineOffset = 0.01, Eta = 0.3, DefaultSampler = sampler, DefaultSteps = 20, ClipSample = false };
        string path = Path.Combine(Path.GetTempPath(), $"loom-scheduler-{Guid.NewGuid():N}.json");
        try
        {
            config.Save(path);
            var loaded = SchedulerConfig.Load(path);
            Assert.Equal(config, loaded);

            DiffusionScheduler before = DiffusionSchedulers.Create(config), after = DiffusionSchedulers.Create(loaded);
            Assert.Equal(sampler, after.Name);
            for (int t = 0; t < config.TrainTimesteps; t++)
            {
                Assert.Equal(before.Schedule.AlphaBar(t), after.Schedule.AlphaBar(t));
                Assert.Equal(before.Schedule.Beta(t), after.Schedule.Beta(t));
            }
            before.SetTimesteps(loaded.DefaultSteps);
            after.SetTimesteps(loaded.DefaultSteps);
            Assert.Equal(before.Timesteps, after.Timesteps);

            // The same step from the same state gives the same bits.
            var sample = new Tensor(Values(1, 48), 2, 3, 2, 4);
            var epsilon = new Tensor(Values(2, 48), 2, 3, 2, 4);
            int t0 = before.Timesteps[3];
            Assert.Equal(before.Step(epsilon, t0, sample, new LoomRandom(5)).ToArray(), after.Step(epsilon, t0, sample, new LoomRandom(5)).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Cosine_schedule_follows_the_formula_and_decreases()
    {
        var config = new SchedulerConfig();
        var schedule = new NoiseSchedule(config);
        int steps = config.TrainTimesteps;
        double F(double t) => Math.Pow(Math.Cos((t / steps + config.CosineOffset) / (1 + config.CosineOffset) * Math.PI / 2), 2);
        for (int t = 0; t < steps; t++)
        {
            if (t > 0) Assert.True(schedule.AlphaBar(t) < schedule.AlphaBar(t - 1), $"ᾱ must decrease at t={t}");
            Assert.Equal(1 - schedule.AlphaBar(t) / schedule.AlphaBar(t - 1), schedule.Beta(t), 1e-9);
            // Where β is not clipped, ᾱ_t is the closed form f(t + 1)/f(0).
            if (t < steps * 0.95) Assert.Equal(F(t + 1) / F(0), schedule.AlphaBar(t), 1e-9);
        }
        Assert.True(schedule.AlphaBar(0) > 0.999);
        Assert.True(schedule.AlphaBar(steps - 1) < 1e-4);
    }

    [Fact]
    public void Timesteps_trail_from_the_last_and_cover_every_step_at_full_count()
    {
        var scheduler = DiffusionSchedulers.Create(new SchedulerConfig(), "ddim");
        scheduler.SetTimesteps(50);
        Assert.Equal(999, scheduler.Timesteps[0]);
        Assert.Equal(19, scheduler.Timesteps[^1]);
        Assert.Equal(-1, scheduler.PreviousTimestep(19));
        Assert.True(scheduler.Timesteps.Zip(scheduler.Timesteps.Skip(1)).All(p => p.First - p.Second == 20));
        scheduler.SetTimesteps(1000);
        Assert.Equal(Enumerable.Range(0, 1000).Reverse(), scheduler.Timesteps);
        Assert.Throws<LoomException>(() => scheduler.SetTimesteps(1001));
        Assert.Throws<LoomException>(() => scheduler.PreviousTimestep(500 + 1000));
    }

    [Theory]
    [InlineData(50)]
    [InlineData(7)]
    public void Ddim_with_eta_zero_given_the_true_noise_recovers_the_image(int steps)
    {
        var scheduler = DiffusionSchedulers.Create(new SchedulerConfig(), "ddim");
        scheduler.SetTimesteps(steps);
        var x0 = new Tensor(Values(3, 2 * 3 * 4 * 4, -0.9f, 0.9f), 2, 3, 4, 4);
        var noise = Tensor.Randn(new LoomRandom(4), [2, 3, 4, 4]);
        var x = scheduler.AddNoise(x0, noise, scheduler.Timesteps[0]);
        var rng = new LoomRandom(1);
        foreach (int t in scheduler.Timesteps)
        {
            int previous = scheduler.PreviousTimestep(t);
            // One step from the exact x_t lands on the forward process's point for the same x₀ and ε.
            if (t != scheduler.Timesteps[0])
            {
                var fromExact = scheduler.Step(noise, t, scheduler.AddNoise(x0, noise, t), rng);
                AssertClose(scheduler.AddNoise(x0, noise, previous).ToArray(), fromExact.ToArray(), 1e-5f);
            }
            x = scheduler.Step(noise, t, x, rng);
        }
        // The whole chain from T − 1 recovers x₀ up to the float32 rounding of x_T itself: there ᾱ ≈ 2·10⁻⁹, so
        // x̂₀ = (x_T − √(1 − ᾱ)·ε)/√ᾱ magnifies x_T's last bit (~6·10⁻⁸) about 2·10⁴ times, and DDIM carries x̂₀ along.
        AssertClose(x0.ToArray(), x.ToArray(), 3e-3f);
    }

    [Fact]
    public void Ddpm_posterior_mean_matches_the_epsilon_form_of_ho_et_al()
    {
        var schedule = new NoiseSchedule(new SchedulerConfig { ClipSample = false });
        var scheduler = new DdpmScheduler(schedule);
        const int n = 64;
        var x0 = Values(5, n);
        var noise = Tensor.Randn(new LoomRandom(6), [n]).ToArray();
        foreach (int t in new[] { 1, 10, 250, 600, 998 })
        {
            var xt = new float[n];
            schedule.AddNoise(x0, noise, [t], xt);
            var mean = new float[n];
            scheduler.PosteriorMean(x0, xt, t, t - 1, mean);
            // Reference: μ = (x_t − β_t/√(1 − ᾱ_t)·ε)/√(1 − β_t), written independently from the ε-parameterization.
            double beta = schedule.Beta(t), alphaBar = schedule.AlphaBar(t);
            var expected = new float[n];
            for (int i = 0; i < n; i++) expected[i] = (float)((xt[i] - beta / Math.Sqrt(1 - alphaBar) * noise[i]) / Math.Sqrt(1 - beta));
            AssertClose(expected, mean, 1e-4f);
            Assert.Equal((1 - schedule.AlphaBar(t - 1)) / (1 - alphaBar) * beta, scheduler.PosteriorVariance(t, t - 1), 1e-12);
        }
    }

    [Fact]
    public void Ddpm_step_draws_posterior_noise_except_at_the_last_step()
    {
        var scheduler = DiffusionSchedulers.Create(new SchedulerConfig { ClipSample = false }, "ddpm");
        scheduler.SetTimesteps(10);
        var sample = new Tensor(Values(7, 4000), 4000, 1, 1, 1);
        var epsilon = new Tensor(Values(8, 4000), 4000, 1, 1, 1);
        int last = scheduler.Timesteps[^1], middle = scheduler.Timesteps[4];
        Assert.Equal(scheduler.Step(epsilon, last, sample, new LoomRandom(1)).ToArray(), scheduler.Step(epsilon, last, sample, new LoomRandom(2)).ToArray());

        var ddpm = (DdpmScheduler)scheduler;
        var a = ddpm.Step(epsilon, middle, sample, new LoomRandom(1)).ToArray();
        var b = ddpm.Step(epsilon, middle, sample, new LoomRandom(2)).ToArray();
        // The difference of two draws has variance 2·β̃.
        double variance = a.Zip(b).Average(p => (p.First - p.Second) * (double)(p.First - p.Second)) / 2;
        double expected = ddpm.PosteriorVariance(middle, ddpm.PreviousTimestep(middle));
        Assert.InRange(variance / expected, 0.9, 1.1);
    }

    [Fact]
    public void Bad_names_and_fields_are_refused_naming_them()
    {
        var error = Assert.Throws<LoomException>(() => DiffusionSchedulers.Create(new SchedulerConfig(), "euler"));
        Assert.Contains("euler", error.Message);
        error = Assert.Throws<LoomException>(() => SchedulerConfig.FromJson("""{"trainTimesteps": 1}""", "scheduler.json"));
        Assert.Contains("trainTimesteps", error.Message);
        error = Assert.Throws<LoomException>(() => SchedulerConfig.FromJson("""{"steps": 3}""", "scheduler.json"));
        Assert.Contains("scheduler.json", error.Message);
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"index {i}: expected {expected[i]}, found {actual[i]}");
    }
}
