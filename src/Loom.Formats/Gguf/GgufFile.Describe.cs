using System.Text;

namespace Loom.Formats.Gguf;

public sealed partial class GgufFile
{
    /// <summary>A human listing of the header: version, alignment, every metadata entry (arrays abbreviated) and the
    /// tensor table (name, type, ggml dimensions, data offset, bytes).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{System.IO.Path.GetFileName(Path)}: GGUF v{Version}, {FileLength} bytes, alignment {Alignment}, data at {DataStart}");
        sb.AppendLine($"metadata ({Metadata.Count}):");
        foreach (var (key, value) in Metadata)
            sb.AppendLine($"  {key} ({value.Type.ToString().ToLowerInvariant()}) = {value}");
        sb.AppendLine($"tensors ({Tensors.Count}):");
        foreach (var t in Tensors)
            sb.AppendLine($"  {t.Name,-32} {t.Type,-5} [{string.Join(", ", t.Dimensions)}] @ {t.Offset} ({t.ByteSize} bytes)");
        return sb.ToString();
    }
}
