using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class GreedyPickTests
{
    [Fact]
    public void Picks_the_highest_logit()
    {
        var candidates = Load(0.1f, -3f, 2.5f, 2.4f);
        new GreedyPick().Apply(candidates, Context());
        Assert.Equal(2, candidates.Selected);
    }

    [Fact]
    public void Ties_go_to_the_lowest_id_sorted_or_not()
    {
        var candidates = Load(1f, 5f, 2f, 5f, 5f);
        new GreedyPick().Apply(candidates, Context());
        Assert.Equal(1, candidates.Selected);

        // Edited so that the tie is between a later candidate and an earlier, unsorted one.
        candidates = Load(4f, 5f, 2f, 6f);
        candidates.LogitsForEdit()[3] = 5f;
        new GreedyPick().Apply(candidates, Context());
        Assert.Equal(1, candidates.Selected);

        candidates = Load(1f, 5f, 2f, 5f);
        new TopKStep(3).Apply(candidates, Context());
        new GreedyPick().Apply(candidates, Context());
        Assert.Equal(1, candidates.Selected);
    }

    [Fact]
    public void A_greedy_chain_ignores_truncation_and_temperature_and_uses_no_randomness()
    {
        var options = new SamplingOptions { Temperature = 0, TopK = 1, TopP = 0.1f, MinP = 0.5f };
        Assert.Equal(["greedy"], new SamplerChain(options).Steps.Select(s => s.Name));
        float[] logits = GaussianLogits(1000, seed: 5);
        int expected = ReferenceOrder(logits)[0];
        var chain = new SamplerChain(options);
        for (int i = 0; i < 5; i++) Assert.Equal(expected, chain.Sample(logits));
    }
}
