using System.Text.Json;
using Loom.Core;
using Loom.Formats;
using Loom.Tensors;

namespace Loom.Nn.Lora;

/// <summary>
/// Puts LoRA adapters into a model, saves and loads them apart from the base weights, and merges them back.
/// Target patterns match a module path or any dotted tail of it: "q_proj" matches "model.layers.0.self_attn.q_proj";
/// '*' matches any run of characters ("self_attn.*", "layers.1.*"). Only <see cref="Linear"/> modules are adapted.
/// Models must reach their children by name (<see cref="Module.GetSubmodule"/>) for the swap to take effect.
/// </summary>
public static class Lora
{
    /// <summary>
    /// Wraps every Linear whose path matches one of <paramref name="targetModules"/> in a <see cref="LoraLinear"/>
    /// and freezes every other parameter, so an optimizer over <see cref="TrainableParameters"/> trains only the
    /// adapters. Returns the adapted paths, in module order.
    /// </summary>
    public static IReadOnlyList<string> Apply(Module module, int rank, float alpha, IReadOnlyList<string> targetModules,
        ulong seed = 0, float dropout = 0f)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (targetModules is null || targetModules.Count == 0) throw LoomException.Argument("lora: give at least one target module pattern");
        if (Adapters(module).Any()) throw LoomException.Argument("lora: the model already has LoRA adapters; merge or remove them first");
        var linears = module.NamedModules().Where(m => m.Module is Linear && m.Name.Length > 0).Select(m => m.Name).ToList();
        var paths = new List<string>();
        foreach (var pattern in targetModules)
        {
            var matched = linears.Where(path => Matches(pattern, path)).ToList();
            if (matched.Count == 0)
                throw LoomException.Argument($"lora: no linear module matches '{pattern}'; linear modules include: {Sample(linears)}");
            paths.AddRange(matched.Where(p => !paths.Contains(p)));
        }
        paths = linears.Where(paths.Contains).ToList(); // module order, whatever the pattern order
        Insert(module, paths, rank, alpha, dropout, seed);
        return paths;
    }

    /// <summary>The parameters that still train (<see cref="Tensor.RequiresGrad"/>): after <see cref="Apply"/>, the adapters'.</summary>
    public static IEnumerable<(string Name, Parameter Parameter)> TrainableParameters(Module module) =>
        module.NamedParameters().Where(p => p.Parameter.Value.RequiresGrad);

    /// <summary>Every adapter in the model with its module path.</summary>
    public static IEnumerable<(string Path, LoraLinear Adapter)> Adapters(Module module) =>
        module.NamedModules().Where(m => m.Module is LoraLinear).Select(m => (m.Name, (LoraLinear)m.Module));

    /// <summary>The adapters' weights only ("….q_proj.lora_A.weight", "….q_proj.lora_B.weight"), sharing storage with the model.</summary>
    public static OrderedDictionary<string, Tensor> AdapterStateDict(Module module)
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (path, adapter) in Adapters(module))
        {
            dict.Add($"{path}.lora_A.weight", adapter.A.Weight.Value.Detach());
            dict.Add($"{path}.lora_B.weight", adapter.B.Weight.Value.Detach());
        }
        return dict;
    }

    /// <summary>
    /// Writes adapter.safetensors and adapter.json into <paramref name="directory"/>, each atomically and the JSON
    /// last, so a directory with an adapter.json always has its weights.
    /// </summary>
    public static void SaveAdapter(Module module, string directory, IReadOnlyList<string> targets, string? baseModelPath = null,
        string? baseModelSha256 = null)
    {
        var adapters = Adapters(module).ToList();
        if (adapters.Count == 0) throw LoomException.Argument("lora: the model has no adapters to save");
        var first = adapters[0].Adapter;
        Directory.CreateDirectory(directory);
        string json = Path.Combine(directory, LoraAdapterInfo.FileName);
        if (File.Exists(json)) File.Delete(json); // until the new weights are in place, the directory is not an adapter
        var tensors = AdapterStateDict(module).Select(e => new NamedTensor(e.Key, e.Value.ShapeArray, e.Value.ToArray())).ToList();
        Safetensors.Save(Path.Combine(directory, LoraAdapterInfo.WeightsFileName), tensors);
        var info = new LoraAdapterInfo
        {
            Rank = first.Rank, Alpha = first.Alpha, Dropout = first.Dropout, Targets = targets,
            Modules = adapters.Select(a => a.Path).ToList(), BaseModelPath = baseModelPath, BaseModelSha256 = baseModelSha256,
        };
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(info, LoraAdapterInfo.JsonOptions));
    }

    /// <summary>
    /// Rebuilds the adapters described by <paramref name="directory"/>'s adapter.json on <paramref name="module"/> and
    /// loads their weights. Everything is checked against the base first (every module exists, is a Linear, and the
    /// adapter shapes fit it), so a wrong base fails with the tensor and both shapes named and the model untouched.
    /// </summary>
    public static LoraAdapterInfo LoadAdapter(Module module, string directory)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!Directory.Exists(directory)) throw new LoomException(LoomErrorCode.FileNotFound, $"{directory}: adapter directory not found");
        var info = LoraAdapterInfo.Read(directory);
        string weightsPath = Path.Combine(directory, LoraAdapterInfo.WeightsFileName);
        var file = Safetensors.Load(weightsPath);
        var byName = file.Tensors.ToDictionary(t => t.Name);
        if (Adapters(module).Any()) throw LoomException.Argument("lora: the model already has LoRA adapters; merge or remove them first");
        foreach (var path in info.Modules)
        {
            Module target;
            try { target = module.GetSubmodule(path); }
            catch (LoomException) { throw LoomException.Argument($"{directory}: the adapter targets '{path}', which the base model does not have (was it trained on another base?)"); }
            if (target is not Linear linear)
                throw LoomException.Argument($"{directory}: the adapter targets '{path}', a {target.GetType().Name} in this model, not a Linear");
            CheckShape(byName, $"{path}.lora_A.weight", [info.Rank, linear.InFeatures], weightsPath);
            CheckShape(byName, $"{path}.lora_B.weight", [linear.OutFeatures, info.Rank], weightsPath);
        }
        var expected = info.Modules.SelectMany(p => new[] { $"{p}.lora_A.weight", $"{p}.lora_B.weight" }).ToHashSet();
        var extra = byName.Keys.Where(k => !expected.Contains(k)).ToList();
        if (extra.Count > 0) throw LoomException.Format(weightsPath, $"tensors not described by {LoraAdapterInfo.FileName}: {string.Join(", ", extra.Take(8))}");

        Insert(module, info.Modules, info.Rank, info.Alpha, info.Dropout, seed: 0);
        foreach (var (path, adapter) in Adapters(module))
        {
            byName[$"{path}.lora_A.weight"].Data.CopyTo(adapter.A.Weight.Data);
            byName[$"{path}.lora_B.weight"].Data.CopyTo(adapter.B.Weight.Data);
        }
        return info;
    }

    /// <summary>
    /// Folds every adapter into its base weight (W += alpha/r·B·A) and puts the plain Linear back, so the model is
    /// an ordinary one again with the adapters' effect built in; every parameter becomes trainable again.
    /// </summary>
    public static int Merge(Module module)
    {
        var adapters = Adapters(module).ToList();
        foreach (var (path, adapter) in adapters) module.SetSubmodule(path, adapter.MergeIntoBase());
        foreach (var parameter in module.Parameters()) parameter.Value.RequiresGrad = true;
        return adapters.Count;
    }

    private static void Insert(Module module, IReadOnlyList<string> paths, int rank, float alpha, float dropout, ulong seed)
    {
        var rng = new LoomRandom(seed);
        foreach (var parameter in module.Parameters()) parameter.Value.RequiresGrad = false;
        foreach (var path in paths)
        {
            var linear = (Linear)module.GetSubmodule(path);
            module.SetSubmodule(path, new LoraLinear(linear, rank, alpha, rng, dropout));
        }
    }

    private static void CheckShape(Dictionary<string, NamedTensor> tensors, string name, int[] expected, string file)
    {
        if (!tensors.TryGetValue(name, out var tensor)) throw LoomException.Format(file, $"tensor '{name}' is missing");
        if (!tensor.Shape.SequenceEqual(expected))
            throw new LoomException(LoomErrorCode.ShapeMismatch,
                $"{file}: '{name}' has shape {ShapeUtil.Format(tensor.Shape)} but this base model needs {ShapeUtil.Format(expected)} (was the adapter trained on another base model?)");
    }

    /// <summary>Whether <paramref name="pattern"/> matches <paramref name="path"/> or one of its dotted tails.</summary>
    public static bool Matches(string pattern, string path)
    {
        for (int start = 0; ; )
        {
            if (Glob(pattern, path.AsSpan(start))) return true;
            int dot = path.IndexOf('.', start);
            if (dot < 0) return false;
            start = dot + 1;
        }
    }

    // '*' matches any run of characters (dots included); everything else literally.
    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int star = pattern.IndexOf('*');
        if (star < 0) return pattern.SequenceEqual(text);
        if (!text.StartsWith(pattern[..star])) return false;
        var rest = pattern[(star + 1)..];
        for (int i = star; i <= text.Length; i++)
            if (Glob(rest, text[i..])) return true;
        return false;
    }

    private static string Sample(List<string> names) =>
        names.Count == 0 ? "(none)" : string.Join(", ", names.Take(6)) + (names.Count > 6 ? $", … ({names.Count} in all)" : "");
}
