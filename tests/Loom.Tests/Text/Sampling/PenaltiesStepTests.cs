using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class PenaltiesStepTests
{
    [Fact]
    public void Applies_repetition_then_presence_and_frequency_per_formula()
    {
        var context = Context();
        foreach (int token in new[] { 0, 0, 1, 4, 0 }) context.History.Accept(token);
        var candidates = Load(2f, -1f, 0.5f, 3f, 0f);
        new PenaltiesStep(repetition: 2f, presence: 0.5f, frequency: 0.25f).Apply(candidates, context);
        Assert.Equal(new[]
        {
            2f / 2f - (0.5f + 0.25f * 3), // seen 3 times, positive: divided
            -1f * 2f - (0.5f + 0.25f * 1), // seen once, negative: multiplied
            0.5f,                          // unseen: untouched
            3f,
            0f * 2f - (0.5f + 0.25f * 1),  // zero stays zero under the repetition penalty
        }, candidates.Logits.ToArray());
    }

    [Fact]
    public void Negative_openai_penalties_encourage_repeats()
    {
        var context = Context();
        context.History.Accept(1);
        context.History.Accept(1);
        var candidates = Load(0f, 1f);
        new PenaltiesStep(1f, presence: -0.5f, frequency: -1f).Apply(candidates, context);
        Assert.Equal([0f, 1f + 0.5f + 2f], candidates.Logits.ToArray());
    }

    [Fact]
    public void Only_the_last_n_tokens_count()
    {
        var context = Context(window: 2);
        foreach (int token in new[] { 0, 1, 2 }) context.History.Accept(token); // token 0 has left the window
        Assert.Equal(0, context.History.CountOf(0));
        var candidates = Load(1f, 1f, 1f);
        new PenaltiesStep(1f, presence: 1f, frequency: 0f).Apply(candidates, context);
        Assert.Equal([1f, 0f, 0f], candidates.Logits.ToArray());
    }

    [Fact]
    public void History_window_minus_one_keeps_everything_and_zero_nothing()
    {
        var all = new TokenHistory(-1);
        var none = new TokenHistory(0);
        for (int i = 0; i < 1000; i++)
        {
            all.Accept(i % 3);
            none.Accept(i % 3);
        }
        Assert.Equal(334, all.CountOf(0));
        Assert.Equal(333, all.CountOf(2));
        Assert.Equal(0, none.DistinctCount);

        var window = new TokenHistory(4);
        foreach (int token in new[] { 5, 5, 6, 7, 5, 8 }) window.Accept(token); // window now 6 7 5 8
        Assert.Equal(1, window.CountOf(5));
        Assert.Equal(4, window.DistinctCount);
        var clone = window.Clone();
        clone.Accept(9); // evicts 6 from the clone only
        Assert.Equal(0, clone.CountOf(6));
        Assert.Equal(1, window.CountOf(6));
    }

    [Fact]
    public void Tokens_already_removed_by_an_earlier_step_are_skipped()
    {
        var context = Context();
        context.History.Accept(0);
        var candidates = Load(5f, 1f, 3f);
        new TopKStep(2).Apply(candidates, context); // candidates 0 and 2, no longer in id layout
        new PenaltiesStep(1f, presence: 1f, frequency: 0f).Apply(candidates, context);
        Assert.Equal([0, 2], candidates.Ids.ToArray());
        Assert.Equal([4f, 3f], candidates.Logits.ToArray());
    }
}
