using Loom.Core;

namespace Loom.Nn.Optim;

/// <summary>
/// Base of the optimizers: a fixed list of named parameters, per-parameter state (step count and named moment
/// buffers, created on first use), a settable learning rate, and a state dict that resumes a run exactly.
/// Subclasses implement one vectorized update of one parameter from its gradient.
/// </summary>
public abstract partial class Optimizer
{
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly ParameterState[] _states;

    /// <param name="parameters">Usually <c>module.NamedParameters()</c>; names key the saved state.</param>
    protected Optimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate)
    {
        _parameters = parameters.ToArray();
        var seen = new HashSet<string>();
        foreach (var (name, _) in _parameters)
            if (!seen.Add(name)) throw LoomException.Argument($"{GetType().Name}: parameter name '{name}' appears twice");
        _states = _parameters.Select(p => new ParameterState(p.Parameter.Length)).ToArray();
        LearningRate = learningRate;
    }

    /// <summary>Names "0", "1", … for a plain list of parameters (state then keys on position).</summary>
    public static IEnumerable<(string Name, Parameter Parameter)> Unnamed(IEnumerable<Parameter> parameters) =>
        parameters.Select((p, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), p));

    public float LearningRate
    {
        get;
        set
        {
            if (!(value >= 0) || float.IsInfinity(value))
                throw LoomException.Argument($"{GetType().Name}: learning rate must be finite and non-negative, found {value}");
            field = value;
        }
    }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters => _parameters;

    /// <summary>Updates every parameter that has a gradient; parameters without one are skipped (their step count stays).</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i].Parameter;
            var grad = parameter.Grad;
            if (grad is null) continue;
            if (grad.Length != parameter.Length)
                throw LoomException.Shape(GetType().Name, $"gradient of '{_parameters[i].Name}' has {grad.Length} elements, parameter has {parameter.Length}");
            var state = _states[i];
            state.Step++;
            Update(state, parameter, parameter.Data, grad.Contiguous().AsSpan());
        }
    }

    /// <summary>One update of <paramref name="weights"/> from <paramref name="grad"/>; <c>state.Step</c> is already 1 on the first call.</summary>
    protected abstract void Update(ParameterState state, Parameter parameter, Span<float> weights, ReadOnlySpan<float> grad);

    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters) p.Grad = null;
    }

    /// <summary>A deep copy of everything the optimizer accumulated: step counts, moment buffers, learning rate.</summary>
    public OptimizerState StateDict()
    {
        var state = new OptimizerState(GetType().Name, StepCount, LearningRate);
        for (int i = 0; i < _parameters.Length; i++)
        {
            string name = _parameters[i].Name;
            state.ParameterSteps[name] = _states[i].Step;
            foreach (var (buffer, values) in _states[i].Buffers) state.Buffers[$"{name}.{buffer}"] = (float[])values.Clone();
        }
        return state;
    }

    /// <summary>Restores a <see cref="StateDict"/> taken from an optimizer of the same kind over parameters of the same names and sizes.</summary>
    public void LoadStateDict(OptimizerState state)
    {
        string kind = GetType().Name;
        if (state.Kind != kind) throw LoomException.Argument($"{kind}: cannot load the state of a {state.Kind} optimizer");
        var restored = new Dictionary<string, float[]>[_parameters.Length];
        var used = new HashSet<string>();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var (name, parameter) = _parameters[i];
            restored[i] = [];
            foreach (var (key, values) in state.Buffers)
            {
                if (!key.StartsWith(name + ".", StringComparison.Ordinal)) continue;
                string buffer = key[(name.Length + 1)..];
                // A longer parameter name sharing this prefix ("a.b" vs "a") owns keys with more dots after it.
                if (!IsBufferName(buffer)) continue;
                if (values.Length != parameter.Length)
                    throw LoomException.Shape(kind, $"optimizer state '{key}' has {values.Length} elements, parameter '{name}' has {parameter.Length}");
                restored[i][buffer] = (float[])values.Clone();
                used.Add(key);
            }
        }
        var unexpected = state.Buffers.Keys.Where(k => !used.Contains(k)).ToList();
        if (unexpected.Count > 0)
            throw LoomException.Argument($"{kind}: optimizer state has entries for unknown parameters: {string.Join(", ", unexpected.Take(8))}");
        for (int i = 0; i < _parameters.Length; i++)
        {
            _states[i].Step = state.ParameterSteps.GetValueOrDefault(_parameters[i].Name);
            _states[i].Buffers = restored[i];
        }
        StepCount = state.StepCount;
        LearningRate = state.LearningRate;
    }

    private static bool IsBufferName(string s) => s.Length > 0 && !s.Contains('.');

    /// <summary>What an optimizer keeps for one parameter.</summary>
    protected internal sealed class ParameterState(int length)
    {
        private float[]? _scratch;

        /// <summary>Updates applied to this parameter (PyTorch's per-parameter "step").</summary>
        public long Step { get; set; }

        /// <summary>Named moment buffers, saved and restored with the state dict.</summary>
        public Dictionary<string, float[]> Buffers { get; set; } = [];

        /// <summary>The named buffer, zero-filled on first use.</summary>
        public float[] Buffer(string name)
        {
            if (!Buffers.TryGetValue(name, out var values)) Buffers[name] = values = new float[length];
            return values;
        }

        /// <summary>Temporary space of the parameter's size, reused across steps (never saved).</summary>
        public Span<float> Scratch => _scratch ??= new float[length];
    }
}
