using Loom.Formats;
using Loom.Tensors;

namespace Loom.Nn;

public abstract partial class Module
{
    /// <summary>
    /// Writes the state dict as a safetensors file (Hugging Face layout), atomically: a crash never leaves a
    /// half-written file. F16/BF16 halve the size but round the weights; F32 round-trips them exactly.
    /// </summary>
    public void Save(string path, SafetensorsDType dtype = SafetensorsDType.F32, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = StateDict().Select(e => new NamedTensor(e.Key, e.Value.ShapeArray, e.Value.ToArray())).ToList();
        Safetensors.Save(path, tensors, dtype, metadata);
    }

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> (or any safetensors file with matching names) in place; the rules
    /// of <see cref="LoadStateDict"/> apply and errors name the file. Returns the file's metadata.
    /// </summary>
    public IReadOnlyDictionary<string, string> Load(string path, bool strict = true)
    {
        var file = Safetensors.Load(path);
        var dict = new Dictionary<string, Tensor>();
        foreach (var t in file.Tensors) dict[t.Name] = new Tensor(t.Data, t.Shape);
        LoadStateDict(dict, strict, source: path);
        return file.Metadata;
    }
}
