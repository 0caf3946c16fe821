using Loom.Core;
using Loom.Text.Sampling;
using static Loom.Tests.Text.Sampling.SamplingTestHelpers;

namespace Loom.Tests.Text.Sampling;

public class TemperatureStepTests
{
    [Fact]
    public void Divides_every_logit_by_the_temperature_after_shifting_the_max_to_zero()
    {
        var candidates = Load(1f, -2f, 0.5f, float.NegativeInfinity);
        new TemperatureStep(0.5f).Apply(candidates, Context());
        Assert.Equal([0f, -6f, -1f, float.NegativeInfinity], candidates.Logits.ToArray()); // (l − 1) / 0.5

        candidates = Load(3f, 1.5f);
        new TemperatureStep(1.5f).Apply(candidates, Context());
        Assert.Equal([0f, -1f], candidates.Logits.ToArray());
    }

    [Fact]
    public void Low_temperature_sharpens_and_high_temperature_flattens_the_softmax()
    {
        // softmax([0, ln 3]) = [1/4, 3/4]; at T = 1/2 the ratio squares: [1/10, 9/10]; at T = 2 it is √3: [1/(1+√3), √3/(1+√3)].
        float[] logits = [0f, MathF.Log(3f)];
        double[] Probabilities(float t)
        {
            var candidates = Load(logits);
            new TemperatureStep(t).Apply(candidates, Context());
            float sum = candidates.ComputeWeights(candidates.MaxLogit());
            return [.. candidates.Weights.ToArray().Select(w => w / (double)sum)];
        }
        Assert.Equal(0.9, Probabilities(0.5f)[1], 1e-6);
        Assert.Equal(Math.Sqrt(3) / (1 + Math.Sqrt(3)), Probabilities(2f)[1], 1e-6);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Refuses_a_temperature_that_is_not_positive_and_finite(float t) =>
        Assert.Throws<LoomException>(() => new TemperatureStep(t));
}
