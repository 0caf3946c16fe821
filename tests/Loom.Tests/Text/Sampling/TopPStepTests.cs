using Loom.Core;
using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class TopPStepTests
{
    // Probabilities 0.15, 0.5, 0.05, 0.3 (ids 0..3): sorted 1 (0.5), 3 (0.3), 0 (0.15), 2 (0.05); cumulative 0.5, 0.8, 0.95, 1.
    private static readonly float[] Logits = LogitsOf(0.15, 0.5, 0.05, 0.3);

    [Theory]
    [InlineData(1e-6f, new[] { 1 })]
    [InlineData(0.45f, new[] { 1 })]
    [InlineData(0.7f, new[] { 1, 3 })]
    [InlineData(0.9f, new[] { 1, 3, 0 })]
    [InlineData(0.99f, new[] { 1, 3, 0, 2 })]
    [InlineData(1f, new[] { 1, 3, 0, 2 })]
    public void Keeps_the_smallest_most_likely_set_reaching_p(float p, int[] expected)
    {
        var candidates = Load(Logits);
        new TopPStep(p).Apply(candidates, Context());
        Assert.Equal(expected, candidates.Ids.ToArray());
    }

    [Theory]
    [InlineData(0.1f, 0.5f)]   // nearly flat: about half of 5000 tokens, far past the first 64
    [InlineData(1f, 0.9f)]
    [InlineData(2f, 0.3f)]
    [InlineData(4f, 0.95f)]
    [InlineData(8f, 0.5f)]     // peaked: decided within the first 64
    public void Keeps_the_same_set_as_a_full_sort_and_cumulative_sum(float scale, float p)
    {
        float[] logits = [.. GaussianLogits(5000, seed: 11, scale).Select(x => MathF.Round(x * 64) / 64)]; // with ties
        int[] order = ReferenceOrder(logits);
        double total = logits.Sum(l => Math.Exp(l));
        double cumulative = 0;
        int expected = 0;
        while (cumulative < p * total) cumulative += Math.Exp(logits[order[expected++]]);

        var candidates = Load(logits);
        new TopPStep(p).Apply(candidates, Context());
        Assert.InRange(candidates.Count, expected - 1, expected + 1); // float vs double sums may differ at the last token
        Assert.Equal(order[..candidates.Count].Order(), candidates.Ids.ToArray().Order());
        Assert.Equal(candidates.Count, candidates.Ids.ToArray().Distinct().Count());
        for (int i = 0; i < candidates.Count; i++) Assert.Equal(logits[candidates.Ids[i]], candidates.Logits[i]);
    }

    [Fact]
    public void On_a_uniform_distribution_ties_keep_the_lowest_ids()
    {
        var candidates = Load([.. Enumerable.Repeat(0.25f, 1000)]);
        new TopPStep(0.3f).Apply(candidates, Context());
        Assert.InRange(candidates.Count, 299, 301);
        Assert.Equal(Enumerable.Range(0, candidates.Count), candidates.Ids.ToArray().Order());
    }

    [Fact]
    public void After_top_k_it_works_on_the_survivors_with_the_full_normaliser()
    {
        // top-k 3 keeps 0.5, 0.3, 0.15 (they still sum to 0.95 of the full mass): p = 0.9 keeps all three.
        var candidates = Load(Logits);
        new TopKStep(3).Apply(candidates, Context());
        new TopPStep(0.9f).Apply(candidates, Context());
        Assert.Equal([1, 3, 0], candidates.Ids.ToArray());
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1.01f)]
    public void Refuses_p_outside_0_to_1(float p) => Assert.Throws<LoomException>(() => new TopPStep(p));
}
