using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Inference;

/// <summary>Copies a GGUF file with changes (metadata renamed or replaced, tensors dropped, replaced or added), for
/// load-error tests and derived architectures.</summary>
public sealed class ModelRewriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata;
    private readonly List<(string Name, GgmlType Type, long[] Dims, byte[] Data)> _tensors;

    public ModelRewriter(string source)
    {
        using var file = GgufFile.Open(source);
        _metadata = [.. file.Metadata];
        _tensors = [.. file.Tensors.Select(t => (t.Name, t.Type, t.Dimensions.ToArray(), file.GetTensorBytes(t).ToArray()))];
    }

    public ModelRewriter SetMetadata(string key, GgufValue value)
    {
        int i = _metadata.FindIndex(kv => kv.Key == key);
        if (i >= 0) _metadata[i] = new(key, value);
        else _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Renames every key starting with <paramref name="from"/> to start with <paramref name="to"/>.</summary>
    public ModelRewriter RenamePrefix(string from, string to)
    {
        for (int i = 0; i < _metadata.Count; i++)
        {
            if (_metadata[i].Key.StartsWith(from, StringComparison.Ordinal))
                _metadata[i] = new(to + _metadata[i].Key[from.Length..], _metadata[i].Value);
        }
        return this;
    }

    public ModelRewriter Drop(string tensor)
    {
        _tensors.RemoveAll(t => t.Name == tensor);
        return this;
    }

    public ModelRewriter Put(string tensor, GgmlType type, long[] dims, byte[] data)
    {
        Drop(tensor);
        _tensors.Add((tensor, type, dims, data));
        return this;
    }

    public byte[] Data(string tensor) => _tensors.Single(t => t.Name == tensor).Data;

    public void Write(string path)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in _metadata)
        {
            if (key != "general.alignment") writer.Set(key, value);
        }
        foreach (var t in _tensors) writer.AddTensor(t.Name, t.Type, t.Dims, t.Data);
        writer.Write(path);
    }
}
