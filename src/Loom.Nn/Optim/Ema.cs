using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn.Optim;

/// <summary>
/// Exponential moving average of a module's parameters: after each optimizer step, shadow = d·shadow + (1−d)·w.
/// Sampling from the averaged weights is smoother than from the last ones (diffusion, GANs). <see cref="Swap"/>
/// exchanges live and averaged weights in place, so evaluating with EMA weights needs no second model.
/// </summary>
public sealed class Ema
{
    private readonly Module _module;
    private readonly (string Name, Parameter Parameter, float[] Shadow)[] _entries;

    public Ema(Module module, float decay)
    {
        if (!(decay >= 0 && decay <= 1)) throw LoomException.Argument($"ema: decay must be in [0, 1], found {decay}");
        _module = module;
        Decay = decay;
        _entries = module.NamedParameters().Select(p => (p.Name, p.Parameter, p.Parameter.Data.ToArray())).ToArray();
    }

    public float Decay { get; }

    /// <summary>How many times <see cref="Update"/> has run.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>Folds the module's current parameters into the average.</summary>
    public void Update()
    {
        foreach (var (_, parameter, shadow) in _entries)
        {
            TensorPrimitives.Multiply(shadow, Decay, shadow);
            TensorPrimitives.MultiplyAdd(parameter.Data, 1 - Decay, shadow, shadow);
        }
        UpdateCount++;
    }

    /// <summary>Writes the averaged weights into <paramref name="target"/> (same architecture), e.g. before saving.</summary>
    public void CopyTo(Module target) => target.LoadStateDict(StateDict(), strict: false, source: "EMA weights");

    /// <summary>Exchanges the tracked module's weights with the averages; call again to swap back.</summary>
    public void Swap()
    {
        foreach (var (_, parameter, shadow) in _entries)
        {
            var live = parameter.Data;
            for (int i = 0; i < live.Length; i++) (live[i], shadow[i]) = (shadow[i], live[i]);
        }
    }

    /// <summary>The averaged weights under the module's parameter names (copies).</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (name, parameter, shadow) in _entries) dict.Add(name, Tensor.FromArray(shadow, parameter.Value.ShapeArray));
        return dict;
    }

    /// <summary>Restores averages saved by <see cref="StateDict"/> (for exact resume).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> dict, long updateCount)
    {
        foreach (var (name, parameter, _) in _entries)
        {
            if (!dict.TryGetValue(name, out var value)) throw LoomException.Argument($"ema: state has no entry '{name}'");
            if (!ShapeUtil.SameShape(value.Shape, parameter.Shape))
                throw LoomException.Shape("ema", $"'{name}' expects shape {ShapeUtil.Format(parameter.Shape)}, found {ShapeUtil.Format(value.Shape)}");
        }
        foreach (var (name, _, shadow) in _entries) dict[name].ToArray().CopyTo(shadow);
        UpdateCount = updateCount;
    }

    /// <summary>The module whose parameters are averaged.</summary>
    public Module Module => _module;
}
