using Loom.Core;

namespace Loom.Nn;

// Lives beside LoRA because LoRA is what needs it: adapters are put in by swapping a registered child for a wrapper.
// A module whose children may be swapped this way reads them through Child(name) instead of caching them in fields.
public abstract partial class Module
{
    /// <summary>The direct child registered under <paramref name="name"/>.</summary>
    protected Module Child(string name)
    {
        foreach (var (key, module) in _modules)
            if (key == name) return module;
        throw LoomException.Argument($"{GetType().Name} has no submodule '{name}' (children: {string.Join(", ", _modules.Select(m => m.Key))})");
    }

    /// <summary>The descendant at a dotted path ("model.layers.0.self_attn.q_proj"), as PyTorch's get_submodule.</summary>
    public Module GetSubmodule(string path)
    {
        Module current = this;
        foreach (var part in SplitPath(path)) current = current.Child(part);
        return current;
    }

    /// <summary>
    /// Replaces the descendant at <paramref name="path"/> (which must exist) with <paramref name="replacement"/>,
    /// keeping its registration order so parameter names and order stay stable; returns the module it replaced.
    /// </summary>
    public Module SetSubmodule(string path, Module replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var parts = SplitPath(path);
        Module parent = this;
        foreach (var part in parts[..^1]) parent = parent.Child(part);
        string name = parts[^1];
        for (int i = 0; i < parent._modules.Count; i++)
        {
            if (parent._modules[i].Key != name) continue;
            var old = parent._modules[i].Value;
            parent._modules[i] = new(name, replacement);
            return old;
        }
        throw LoomException.Argument($"{parent.GetType().Name} has no submodule '{name}' to replace (path '{path}')");
    }

    private static string[] SplitPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Split('.').Any(p => p.Length == 0))
            throw LoomException.Argument($"submodule path '{path}' must be dotted non-empty names");
        return path.Split('.');
    }
}
