namespace Loom.Nn.Optim;

/// <summary>
/// An optimizer's resumable state: its kind, global and per-parameter step counts, learning rate, and the moment
/// buffers keyed "{parameter name}.{buffer}" (e.g. "0.weight.exp_avg").
/// </summary>
public sealed class OptimizerState(string kind, long stepCount, float learningRate)
{
    public string Kind { get; } = kind;
    public long StepCount { get; } = stepCount;
    public float LearningRate { get; } = learningRate;
    public Dictionary<string, long> ParameterSteps { get; } = [];
    public OrderedDictionary<string, float[]> Buffers { get; } = [];
}
