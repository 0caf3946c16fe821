using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class SamplerChainTests
{
    private static readonly SamplingOptions Everything = new()
    {
        Temperature = 0.8f, TopK = 40, TopP = 0.9f, MinP = 0.05f, RepetitionPenalty = 1.1f, PresencePenalty = 0.5f,
        FrequencyPenalty = 0.2f, LogitBias = new Dictionary<int, float> { [5] = float.NegativeInfinity, [9] = 2f }, Seed = 1,
    };

    [Fact]
    public void Builds_the_canonical_order_leaving_out_steps_that_are_off()
    {
        Assert.Equal(["logit-bias", "penalties", "top-k", "top-p", "min-p", "temperature", "distribution"],
            SamplerChain.BuildSteps(Everything).Select(s => s.Name));
        Assert.Equal(["distribution"], SamplerChain.BuildSteps(new SamplingOptions()).Select(s => s.Name));
        Assert.Equal(["greedy"], SamplerChain.BuildSteps(SamplingOptions.Greedy).Select(s => s.Name));
        // Penalties with a zero window are off.
        Assert.Equal(["distribution"],
            SamplerChain.BuildSteps(new SamplingOptions { PresencePenalty = 1, PenaltyLastN = 0 }).Select(s => s.Name));
    }

    [Fact]
    public void Truncation_uses_the_unscaled_distribution_so_high_temperature_cannot_revive_cut_tokens()
    {
        // Probabilities 0.6, 0.35, 0.05: min-p 0.1 cuts token 2 (0.05 < 0.06) before temperature 50 flattens the rest.
        var chain = new SamplerChain(new SamplingOptions { Seed = 5, MinP = 0.1f, Temperature = 50f });
        float[] logits = LogitsOf(0.6, 0.35, 0.05);
        int[] counts = new int[3];
        for (int i = 0; i < 2000; i++) counts[chain.Sample(logits)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1], 800, 1200); // nearly uniform over the two survivors
    }

    [Fact]
    public void Accepted_tokens_feed_the_penalties()
    {
        var chain = new SamplerChain(SamplingOptions.Greedy with { PresencePenalty = 1.5f });
        float[] logits = [1f, 2f];
        Assert.Equal(1, chain.Sample(logits));
        chain.Accept(1); // 2 − 1.5 < 1
        Assert.Equal(0, chain.Sample(logits));
        chain.Reset();
        Assert.Equal(1, chain.Sample(logits));
    }

    [Fact]
    public void Reset_repeats_the_same_draws_and_clone_continues_identically()
    {
        float[] logits = GaussianLogits(300, seed: 1);
        var chain = new SamplerChain(Everything);
        int[] first = Run(chain, logits, 30);
        chain.Reset();
        Assert.Equal(first, Run(chain, logits, 30));

        var clone = chain.Clone();
        Assert.Equal(Run(chain, logits, 30), Run(clone, logits, 30));
    }

    [Fact]
    public void Fork_i_uses_seed_plus_i_and_keeps_the_history()
    {
        float[] logits = GaussianLogits(300, seed: 2);
        var parent = new SamplerChain(Everything);
        foreach (int token in new[] { 1, 2, 3 }) parent.Accept(token);
        var fork0 = parent.Fork(0);
        var fork3 = parent.Fork(3);
        Assert.Equal(3, parent.History.DistinctCount);
        Assert.Equal(3, fork3.History.DistinctCount);
        Assert.Equal(4UL, fork3.Seed);

        var direct = new SamplerChain(Everything with { Seed = 4 });
        foreach (int token in new[] { 1, 2, 3 }) direct.Accept(token);
        Assert.Equal(Run(direct, logits, 30), Run(fork3, logits, 30));
        Assert.Equal(Run(parent, logits, 30), Run(fork0, logits, 30));
        Assert.NotEqual(Run(parent.Fork(1), logits, 30), Run(parent.Fork(2), logits, 30));
    }

    [Fact]
    public void Logprobs_are_the_log_softmax_of_the_original_logits()
    {
        float[] logits = [1f, 3f, -2f, 3f, 0.5f, float.NegativeInfinity];
        double logZ = Math.Log(logits.Sum(l => Math.Exp(l)));
        // Bias and temperature change the pick, not the reported log-probabilities.
        var chain = new SamplerChain(SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [4] = 10f } });
        SampledToken sampled = chain.SampleWithLogprobs(logits, topLogprobs: 3);
        Assert.Equal(4, sampled.Token);
        Assert.Equal(0.5 - logZ, sampled.Logprob, 1e-5);
        Assert.Equal([1, 3, 0], sampled.TopLogprobs.Select(t => t.Token)); // tie between 1 and 3: lower id first
        Assert.Equal([3 - logZ, 3 - logZ, 1 - logZ], sampled.TopLogprobs.Select(t => (double)t.Logprob), new Tolerance(1e-5));
        Assert.Equal(6, chain.SampleWithLogprobs(logits, 50).TopLogprobs.Count);
        Assert.Empty(chain.SampleWithLogprobs(logits, 0).TopLogprobs);
    }

    [Fact]
    public void Logprobs_top_n_matches_a_full_sort_on_a_large_vocabulary()
    {
        float[] logits = GaussianLogits(20_000, seed: 6, scale: 3f);
        int[] order = ReferenceOrder(logits);
        double logZ = Math.Log(logits.Sum(l => Math.Exp(l)));
        SampledToken sampled = new SamplerChain(new SamplingOptions { Seed = 2 }).SampleWithLogprobs(logits, 20);
        Assert.Equal(order[..20], sampled.TopLogprobs.Select(t => t.Token));
        Assert.Equal(logits[sampled.Token] - logZ, sampled.Logprob, 1e-4);
    }

    public static TheoryData<string> AllocationCases => ["everything", "top-p only", "greedy"];

    [Theory]
    [MemberData(nameof(AllocationCases))]
    public void Sampling_a_32k_vocabulary_allocates_nothing_after_warm_up(string name)
    {
        SamplingOptions options = name switch
        {
            "everything" => Everything,
            "top-p only" => new SamplingOptions { Seed = 3, TopP = 0.95f, FrequencyPenalty = 0.3f, PenaltyLastN = -1 },
            _ => SamplingOptions.Greedy with { RepetitionPenalty = 1.2f },
        };
        float[] logits = GaussianLogits(32_000, seed: 12, scale: 2f);
        var chain = new SamplerChain(options);
        // Warm-up: buffers sized, every token of the small id range seen so the history dictionary stops growing.
        for (int i = 0; i < 300; i++) chain.Accept(i % 150);
        for (int i = 0; i < 5; i++) chain.Accept(chain.Sample(logits) % 150);
        long allocated = AllocationProbe.FewestBytes(() =>
        {
            for (int i = 0; i < 100; i++) chain.Accept(chain.Sample(logits) % 150);
        });
        Assert.Equal(0, allocated);
    }

    private static int[] Run(SamplerChain chain, float[] logits, int n)
    {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++)
        {
            tokens[i] = chain.Sample(logits);
            chain.Accept(tokens[i]);
        }
        return tokens;
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
