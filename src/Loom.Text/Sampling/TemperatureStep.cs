namespace Loom.Text.Sampling;

/// <summary>Divides the logits by T &gt; 0 (after shifting the largest to 0, which leaves the softmax unchanged):
/// T &lt; 1 sharpens the distribution, T &gt; 1 flattens it. (T = 0 is greedy, which the chain does with
/// <see cref="GreedyPick"/> instead.)</summary>
public sealed class TemperatureStep : ISamplerStep
{
    public TemperatureStep(float temperature)
    {
        if (!(temperature > 0f) || !float.IsFinite(temperature))
            throw Core.LoomException.Argument($"TemperatureStep: temperature must be finite and above 0, found {temperature}");
        Temperature = temperature;
    }

    public string Name => "temperature";

    public float Temperature { get; }

    public void Apply(TokenCandidates candidates, SamplerContext context) => candidates.ApplyTemperature(Temperature);
}
