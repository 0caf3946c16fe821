using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Models.Transformer;

/// <summary>
/// A GGUF weight format as `--type` names it: llama.cpp's file type id (written as <c>general.file_type</c>) and the
/// type most 2-D weights get. Which tensors get another type is <see cref="GgufTensorTypeRules"/>'s business.
/// </summary>
public sealed record GgufQuantization(string Name, uint FileType, GgmlType DefaultType)
{
    // File type ids are llama.cpp's llama_ftype values (LLAMA_FTYPE_ALL_F32 = 0, MOSTLY_F16 = 1, …).
    public static GgufQuantization F32 { get; } = new("f32", 0, GgmlType.F32);
    public static GgufQuantization F16 { get; } = new("f16", 1, GgmlType.F16);
    public static GgufQuantization Q4_0 { get; } = new("q4_0", 2, GgmlType.Q4_0);
    public static GgufQuantization Q8_0 { get; } = new("q8_0", 7, GgmlType.Q8_0);
    public static GgufQuantization Q4_K_M { get; } = new("q4_k_m", 15, GgmlType.Q4_K);
    public static GgufQuantization Q6_K { get; } = new("q6_k", 18, GgmlType.Q6_K);

    public static IReadOnlyList<GgufQuantization> All { get; } = [F32, F16, Q8_0, Q4_0, Q4_K_M, Q6_K];

    /// <summary>Whether the default type is a block-quantized one (llama.cpp only then picks per-tensor types).</summary>
    public bool IsQuantized => DefaultType is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16);

    /// <summary>The format named <paramref name="name"/> (case-insensitive); the error lists the supported names.</summary>
    public static GgufQuantization Parse(string name)
    {
        foreach (var q in All)
            if (string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase)) return q;
        throw LoomException.Argument($"GGUF type '{name}' is not supported; supported: {string.Join(", ", All.Select(q => q.Name))}");
    }

    public override string ToString() => Name;
}
