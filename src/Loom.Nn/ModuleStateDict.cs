using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

public abstract partial class Module
{
    /// <summary>
    /// Parameters then buffers under their dotted names, in registration order. The tensors share storage with the
    /// module (no copy): take <see cref="Tensor.Clone"/> of an entry to keep a snapshot.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (name, parameter) in NamedParameters()) dict.Add(name, parameter.Value.Detach());
        foreach (var (name, buffer) in NamedBuffers()) dict.Add(name, buffer.Detach());
        return dict;
    }

    /// <summary>
    /// Copies values into this module's parameters and buffers in place (references held by optimizers stay valid).
    /// Everything is checked before anything is written: a shape mismatch always fails; with
    /// <paramref name="strict"/>, so do keys the module lacks (unexpected) and entries the dict lacks (missing).
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> dict, bool strict = true, string source = "state dict")
    {
        var targets = new List<(Tensor Target, Tensor Source)>();
        var missing = new List<string>();
        var mismatched = new List<string>();
        var known = new HashSet<string>();
        foreach (var (name, target) in NamedParameters().Select(p => (p.Name, p.Parameter.Value)).Concat(NamedBuffers()))
        {
            known.Add(name);
            if (!dict.TryGetValue(name, out var value)) { missing.Add(name); continue; }
            if (!ShapeUtil.SameShape(value.Shape, target.Shape))
                mismatched.Add($"'{name}' expects shape {ShapeUtil.Format(target.Shape)}, found {ShapeUtil.Format(value.Shape)}");
            else
                targets.Add((target, value));
        }
        var unexpected = dict.Keys.Where(k => !known.Contains(k)).ToList();

        var problems = new List<string>();
        if (mismatched.Count > 0) problems.Add("shape mismatch: " + List(mismatched));
        if (strict && missing.Count > 0) problems.Add("missing key(s): " + List(missing));
        if (strict && unexpected.Count > 0) problems.Add("unexpected key(s): " + List(unexpected));
        if (problems.Count > 0)
        {
            var code = mismatched.Count > 0 ? LoomErrorCode.ShapeMismatch : LoomErrorCode.InvalidArgument;
            throw new LoomException(code, $"load {source} into {GetType().Name}: {string.Join("; ", problems)}");
        }

        foreach (var (target, value) in targets) value.ToArray().CopyTo(target.DataSpan);
    }

    // Long lists are cut so one bad file does not print thousands of names.
    private static string List(List<string> items) =>
        items.Count <= 8 ? string.Join(", ", items) : string.Join(", ", items.Take(8)) + $", … ({items.Count} in all)";
}
