using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// A piece of a network: it owns parameters, persistent buffers and submodules, each registered under a name in
/// declaration order, so <see cref="NamedParameters"/> yields stable dotted names ("blocks.0.attn.qkv.weight") that
/// are the keys of the state dict and of saved weight files.
/// </summary>
public abstract partial class Module
{
    private readonly List<KeyValuePair<string, Parameter>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _modules = [];

    /// <summary>True while training (dropout active); set recursively by <see cref="Train"/> and <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// The forward pass of a module with one tensor in and one out (the contract <see cref="Sequential"/> relies on).
    /// Modules with other inputs (token ids, several tensors) define their own Forward overloads instead.
    /// </summary>
    public virtual Tensor Forward(Tensor input) =>
        throw new LoomException(LoomErrorCode.NotSupported, $"{GetType().Name} has no single-tensor Forward");

    protected Parameter AddParameter(string name, Tensor value, bool? noDecay = null)
    {
        CheckNewName(name);
        var parameter = new Parameter(value, noDecay);
        _parameters.Add(new(name, parameter));
        return parameter;
    }

    /// <summary>Registers state that is saved and loaded with the weights but not trained (e.g. running statistics).</summary>
    protected Tensor AddBuffer(string name, Tensor value)
    {
        CheckNewName(name);
        var buffer = value.IsContiguous ? value.Detach() : value.Clone();
        _buffers.Add(new(name, buffer));
        return buffer;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        _modules.Add(new(name, module));
        return module;
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw LoomException.Argument($"{GetType().Name}: member name '{name}' must be non-empty and contain no '.'");
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _modules.Any(m => m.Key == name))
            throw LoomException.Argument($"{GetType().Name}: member name '{name}' is already registered");
    }

    /// <summary>Every parameter with its dotted name: own parameters first, then each submodule's, in declaration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var (name, parameter) in _parameters) yield return (name, parameter);
        foreach (var (prefix, module) in _modules)
            foreach (var (name, parameter) in module.NamedParameters()) yield return ($"{prefix}.{name}", parameter);
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every persistent buffer with its dotted name, in the same order as parameters.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (name, buffer) in _buffers) yield return (name, buffer);
        foreach (var (prefix, module) in _modules)
            foreach (var (name, buffer) in module.NamedBuffers()) yield return ($"{prefix}.{name}", buffer);
    }

    /// <summary>This module ("") and every descendant, with dotted names, depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        yield return ("", this);
        foreach (var (prefix, module) in _modules)
            foreach (var (name, child) in module.NamedModules()) yield return (name.Length == 0 ? prefix : $"{prefix}.{name}", child);
    }

    /// <summary>Direct submodules in declaration order.</summary>
    public IEnumerable<Module> Children() => _modules.Select(m => m.Value);

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Length);

    public Module Train(bool training = true)
    {
        foreach (var (_, module) in NamedModules()) module.Training = training;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Drops every parameter's accumulated gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }
}
