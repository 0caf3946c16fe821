using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class DistributionPickTests
{
    private static int[] Draws(SamplingOptions options, float[] logits, int n)
    {
        var chain = new SamplerChain(options);
        return [.. Enumerable.Range(0, n).Select(_ => chain.Sample(logits))];
    }

    [Fact]
    public void The_same_seed_draws_the_same_tokens_and_other_seeds_differ()
    {
        float[] logits = GaussianLogits(500, seed: 2);
        int[] first = Draws(new SamplingOptions { Seed = 42 }, logits, 50);
        Assert.Equal(first, Draws(new SamplingOptions { Seed = 42 }, logits, 50));
        Assert.NotEqual(first, Draws(new SamplingOptions { Seed = 43 }, logits, 50));
        Assert.NotEqual(first, Draws(new SamplingOptions(), logits, 50)); // unseeded: a fresh seed each time
    }

    [Fact]
    public void Frequencies_approach_the_softmax_distribution()
    {
        double[] p = [0.4, 0.25, 0.15, 0.1, 0.07, 0.03];
        const int n = 30_000;
        int[] counts = new int[p.Length];
        foreach (int token in Draws(new SamplingOptions { Seed = 9 }, LogitsOf(p), n)) counts[token]++;
        // Pearson's χ² with 5 degrees of freedom: 99.99 % of honest samples stay below 25.7.
        double chiSquare = p.Select((pi, i) => Math.Pow(counts[i] - n * pi, 2) / (n * pi)).Sum();
        Assert.InRange(chiSquare, 0, 25.7);
    }

    [Fact]
    public void Temperature_changes_the_frequencies_as_the_tempered_softmax_says()
    {
        // softmax([0, ln 3] / 0.5) = [0.1, 0.9].
        const int n = 20_000;
        int ones = Draws(new SamplingOptions { Seed = 4, Temperature = 0.5f }, [0f, MathF.Log(3f)], n).Count(t => t == 1);
        double sd = Math.Sqrt(n * 0.9 * 0.1);
        Assert.InRange(ones, n * 0.9 - 5 * sd, n * 0.9 + 5 * sd);
    }

    [Fact]
    public void Never_draws_a_zero_probability_token()
    {
        var context = Context(seed: 8);
        for (int i = 0; i < 500; i++)
        {
            var candidates = Load(float.NegativeInfinity, 0f, float.NegativeInfinity, -60f, 0f, float.NegativeInfinity);
            new DistributionPick().Apply(candidates, context);
            Assert.Contains(candidates.Selected, new[] { 1, 3, 4 });
        }
    }

    [Fact]
    public void A_tiny_temperature_acts_as_the_arg_max_without_overflowing()
    {
        // 30 / 1e-38 would be +∞ for three tokens at once; shifted by the max first, only the arg-max survives.
        var chain = new SamplerChain(new SamplingOptions { Seed = 1, Temperature = 1e-38f });
        for (int i = 0; i < 20; i++) Assert.Equal(2, chain.Sample([10f, 20f, 30f, -1f]));
    }
}
