using System.Globalization;
using System.Text.Json;
using Loom.Core;
using Loom.Formats;

namespace Loom.Nn.Optim;

public abstract partial class Optimizer
{
    private const string KindKey = "loom.optimizer", StepCountKey = "stepCount", LearningRateKey = "learningRate", StepsKey = "parameterSteps";

    /// <summary>
    /// Writes <see cref="StateDict"/> as a safetensors file: one F32 tensor per moment buffer (exact), the kind,
    /// step counts and learning rate in the metadata. Atomic, like every file Loom writes.
    /// </summary>
    public void Save(string path)
    {
        var state = StateDict();
        var tensors = state.Buffers.Select(b => new NamedTensor(b.Key, [b.Value.Length], b.Value)).ToList();
        var metadata = new Dictionary<string, string>
        {
            [KindKey] = state.Kind,
            [StepCountKey] = state.StepCount.ToString(CultureInfo.InvariantCulture),
            [LearningRateKey] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            [StepsKey] = JsonSerializer.Serialize(state.ParameterSteps),
        };
        Safetensors.Save(path, tensors, SafetensorsDType.F32, metadata);
    }

    /// <summary>Restores a state written by <see cref="Save"/>; errors name the file and the field.</summary>
    public void Load(string path)
    {
        var file = Safetensors.Load(path);
        string Field(string key) => file.Metadata.TryGetValue(key, out var value)
            ? value
            : throw LoomException.Format(path, $"optimizer state: metadata has no '{key}' (is this an optimizer file?)");
        try
        {
            var state = new OptimizerState(Field(KindKey),
                long.Parse(Field(StepCountKey), CultureInfo.InvariantCulture),
                float.Parse(Field(LearningRateKey), CultureInfo.InvariantCulture));
            var steps = JsonSerializer.Deserialize<Dictionary<string, long>>(Field(StepsKey)) ?? [];
            foreach (var (name, step) in steps) state.ParameterSteps[name] = step;
            foreach (var t in file.Tensors) state.Buffers[t.Name] = t.Data;
            LoadStateDict(state);
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException)
        {
            throw LoomException.Format(path, $"optimizer state: malformed metadata ({e.Message})");
        }
    }
}
