using Loom.Core;
using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class MinPStepTests
{
    // Probabilities 0.3, 0.05, 0.5, 0.15: p_max = 0.5.
    private static readonly float[] Logits = LogitsOf(0.3, 0.05, 0.5, 0.15);

    [Theory]
    [InlineData(0.05f, new[] { 0, 1, 2, 3 })] // threshold 0.025
    [InlineData(0.2f, new[] { 0, 2, 3 })]     // threshold 0.1
    [InlineData(0.5f, new[] { 0, 2 })]        // threshold 0.25
    [InlineData(0.8f, new[] { 2 })]           // threshold 0.4
    [InlineData(1f, new[] { 2 })]             // only the most likely
    public void Keeps_tokens_at_least_min_p_times_the_most_likely(float minP, int[] expected)
    {
        var candidates = Load(Logits);
        new MinPStep(minP).Apply(candidates, Context());
        Assert.Equal(expected, candidates.Ids.ToArray());
    }

    [Fact]
    public void Does_not_depend_on_the_logit_offset_and_keeps_sorted_order()
    {
        float[] shifted = [.. Logits.Select(l => l + 40f), 30f]; // a fifth, unlikely token for top-k to drop
        var candidates = Load(shifted);
        new TopKStep(4).Apply(candidates, Context());
        new MinPStep(0.2f).Apply(candidates, Context());
        Assert.Equal([2, 0, 3], candidates.Ids.ToArray());
        Assert.True(candidates.IsSorted);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    public void Refuses_min_p_outside_0_to_1(float minP) => Assert.Throws<LoomException>(() => new MinPStep(minP));
}
