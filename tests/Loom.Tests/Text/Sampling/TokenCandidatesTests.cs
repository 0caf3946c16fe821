using Loom.Core;
using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class TokenCandidatesTests
{
    [Fact]
    public void Load_makes_every_token_a_candidate_in_id_order()
    {
        var candidates = Load(0.5f, -1f, float.NegativeInfinity, 2f);
        Assert.Equal(4, candidates.Count);
        Assert.True(candidates.IdsAreIndices);
        Assert.Equal([0, 1, 2, 3], candidates.Ids.ToArray());
        Assert.Equal([0.5f, -1f, float.NegativeInfinity, 2f], candidates.Logits.ToArray());
        Assert.Equal(-1, candidates.Selected);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Load_refuses_a_broken_logit_and_names_the_token(float bad)
    {
        var error = Assert.Throws<LoomException>(() => Load(0f, 1f, bad, 2f));
        Assert.Equal(LoomErrorCode.InvalidArgument, error.Code);
        Assert.Contains("token 2", error.Message);
        Assert.Throws<LoomException>(() => Load());
    }

    [Fact]
    public void SortTop_selects_the_same_prefix_as_a_full_sort_for_every_k()
    {
        // Rounded Gaussians: many exact ties, so the id tie-break is exercised.
        float[] logits = [.. GaussianLogits(300, seed: 7).Select(x => MathF.Round(x * 4) / 4)];
        logits[10] = float.NegativeInfinity;
        logits[11] = -0f;
        int[] expected = ReferenceOrder(logits);
        foreach (int k in new[] { 1, 2, 3, 17, 64, 150, 299, 300 })
        {
            var candidates = Load(logits);
            candidates.SortTop(k, dropRest: false);
            Assert.Equal(300, candidates.Count);
            Assert.Equal(expected[..k], candidates.Ids[..k].ToArray());
            Assert.Equal(expected[..k].Select(i => logits[i]), candidates.Logits[..k].ToArray());
            // The rest is still there, unordered.
            Assert.Equal(Enumerable.Range(0, 300), candidates.Ids.ToArray().Order());
            Assert.Equal(k, candidates.SortedPrefix);

            candidates = Load(logits);
            candidates.SortTop(k, dropRest: true);
            Assert.Equal(expected[..k], candidates.Ids.ToArray());
            Assert.True(candidates.IsSorted);
        }
    }

    [Fact]
    public void KeepLogitsAtLeast_keeps_order_and_sortedness()
    {
        var candidates = Load(3f, 1f, 4f, 0f, 2f);
        candidates.SortTop(5, dropRest: false); // 4 3 2 1 0
        Assert.Equal(3, candidates.KeepLogitsAtLeast(2.0));
        Assert.Equal([2, 0, 4], candidates.Ids.ToArray());
        Assert.True(candidates.IsSorted);

        var unsorted = Load(3f, 1f, 4f, 0f, 2f);
        Assert.Equal(2, unsorted.KeepLogitsAtLeast(2.5));
        Assert.Equal([0, 2], unsorted.Ids.ToArray());
        Assert.False(unsorted.IdsAreIndices);
        Assert.Equal(2, unsorted.IndexOf(2) + 1);
        Assert.Equal(-1, unsorted.IndexOf(4));
    }

    [Fact]
    public void ComputeWeights_gives_the_softmax_numerators_and_normaliser()
    {
        var candidates = Load(1f, 2f, float.NegativeInfinity);
        float sum = candidates.ComputeWeights(candidates.MaxLogit());
        Assert.Equal(Math.Exp(-1), candidates.Weights[0], 1e-6);
        Assert.Equal(1f, candidates.Weights[1]);
        Assert.Equal(0f, candidates.Weights[2]);
        Assert.Equal(1 + Math.Exp(-1), sum, 1e-6);
    }
}
