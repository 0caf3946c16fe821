using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class TopKStepTests
{
    [Fact]
    public void Keeps_exactly_k_best_sorted()
    {
        var candidates = Load(0.1f, 2f, -1f, 5f, 3f);
        new TopKStep(3).Apply(candidates, Context());
        Assert.Equal([3, 4, 1], candidates.Ids.ToArray());
        Assert.Equal([5f, 3f, 2f], candidates.Logits.ToArray());
        Assert.True(candidates.IsSorted);
    }

    [Fact]
    public void Ties_at_the_cut_keep_the_lowest_ids()
    {
        var candidates = Load(1f, 3f, 3f, 2f, 3f, 3f);
        new TopKStep(2).Apply(candidates, Context());
        Assert.Equal([1, 2], candidates.Ids.ToArray());

        candidates = Load(1f, 3f, 3f, 2f, 3f, 3f);
        new TopKStep(3).Apply(candidates, Context());
        Assert.Equal([1, 2, 4], candidates.Ids.ToArray());
    }

    [Fact]
    public void K_at_least_the_vocabulary_changes_nothing()
    {
        var candidates = Load(0.1f, 2f, -1f);
        new TopKStep(3).Apply(candidates, Context());
        new TopKStep(50).Apply(candidates, Context());
        Assert.Equal([0, 1, 2], candidates.Ids.ToArray());
        Assert.True(candidates.IdsAreIndices);
    }

    [Fact]
    public void Matches_a_full_sort_on_a_large_vocabulary()
    {
        float[] logits = GaussianLogits(50_000, seed: 3);
        int[] expected = ReferenceOrder(logits);
        foreach (int k in new[] { 1, 40, 1000 })
        {
            var candidates = Load(logits);
            new TopKStep(k).Apply(candidates, Context());
            Assert.Equal(expected[..k], candidates.Ids.ToArray());
        }
    }
}
