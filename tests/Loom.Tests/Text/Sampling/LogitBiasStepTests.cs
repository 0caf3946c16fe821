using Loom.Core;
using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class LogitBiasStepTests
{
    [Fact]
    public void Adds_each_bias_to_its_token()
    {
        var candidates = Load(1f, 2f, 3f);
        new LogitBiasStep(new Dictionary<int, float> { [2] = -1.5f, [0] = 4f }).Apply(candidates, Context());
        Assert.Equal([5f, 2f, 1.5f], candidates.Logits.ToArray());
    }

    [Fact]
    public void Minus_infinity_bans_a_token_from_every_pick()
    {
        var options = new SamplingOptions { Seed = 3, LogitBias = new Dictionary<int, float> { [1] = float.NegativeInfinity } };
        var chain = new SamplerChain(options);
        float[] logits = [0f, 10f, 0f];
        for (int i = 0; i < 200; i++) Assert.NotEqual(1, chain.Sample(logits));
        Assert.Equal(0, new SamplerChain(options with { Temperature = 0 }).Sample(logits));
    }

    [Fact]
    public void Banning_every_token_is_a_clear_error()
    {
        var bias = new Dictionary<int, float> { [0] = float.NegativeInfinity, [1] = float.NegativeInfinity };
        foreach (float t in new[] { 0f, 1f })
        {
            var chain = new SamplerChain(new SamplingOptions { Temperature = t, LogitBias = bias });
            var error = Assert.Throws<LoomException>(() => chain.Sample([1f, 2f]));
            Assert.Contains("banned", error.Message);
        }
    }

    [Fact]
    public void A_token_outside_the_vocabulary_is_named()
    {
        var candidates = Load(1f, 2f);
        var error = Assert.Throws<LoomException>(() =>
            new LogitBiasStep(new Dictionary<int, float> { [7] = 1f }).Apply(candidates, Context()));
        Assert.Contains("token 7", error.Message);
        Assert.Contains("2 tokens", error.Message);
    }
}
