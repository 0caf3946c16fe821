using System.Runtime.InteropServices;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Formats.Gguf;

/// <summary>
/// Loom's quantizers and dequantizers against llama-quantize's output: quantizing the source F32/F16 tensors must
/// give the quantized files' bytes exactly (ggml's reference quantizers are deterministic), and dequantized weights
/// must lie within the quantization error of the source.
/// </summary>
public class GgufQuantizationParityTests
{
    /// <summary>Quantizes each <paramref name="type"/> tensor of <paramref name="quantized"/> from the source file
    /// (its first <paramref name="maxRows"/> rows: the K-quant search is slow in a debug build) and compares bytes.</summary>
    private static int CompareQuantized(string source, string quantized, GgmlType type, int maxRows = int.MaxValue)
    {
        using var src = GgufFile.Open(SharedGgufFactAttribute.Model(source));
        using var q = GgufFile.Open(SharedGgufFactAttribute.Model(quantized));
        int compared = 0;
        foreach (var t in q.Tensors.Where(t => t.Type == type))
        {
            int rows = (int)Math.Min(t.RowCount, maxRows);
            float[] values = src.ReadTensorAsFloat32(t.Name)[..(int)(rows * t.RowLength)];
            var bytes = new byte[GgmlTypeTraits.RowBytes(type, values.Length)];
            Quantize.Row(type, values, bytes);
            ReadOnlySpan<byte> expected = q.GetTensorBytes(t)[..bytes.Length];
            int mismatch = expected.CommonPrefixLength(bytes);
            Assert.True(mismatch == bytes.Length, $"{quantized} '{t.Name}': first differing byte at {mismatch} of {bytes.Length}");
            compared++;
        }
        return compared;
    }

    [SharedGgufFact]
    public void Q8_0OfTheLlamaF32FileIsByteIdentical() =>
        Assert.Equal(16, CompareQuantized("llama-spm2500-f32.gguf", "llama-spm2500-q8_0.gguf", GgmlType.Q8_0));

    [SharedGgufFact]
    public void Q4_0OfTheLlamaF32FileIsByteIdentical() =>
        Assert.Equal(15, CompareQuantized("llama-spm2500-f32.gguf", "llama-spm2500-q4_0.gguf", GgmlType.Q4_0));

    [SharedGgufFact]
    public void Q8_0AndQ4_0OfTheF16AndQwenFilesAreByteIdentical()
    {
        Assert.True(CompareQuantized("llama-gpt2bpe4096-tied-f16.gguf", "llama-gpt2bpe4096-tied-q8_0.gguf", GgmlType.Q8_0) > 10);
        Assert.True(CompareQuantized("llama-gpt2bpe4096-tied-f16.gguf", "llama-gpt2bpe4096-tied-q4_0.gguf", GgmlType.Q4_0) > 10);
        Assert.True(CompareQuantized("qwen3-bpe3072-tied-f32.gguf", "qwen3-bpe3072-tied-q8_0.gguf", GgmlType.Q8_0) > 10);
        Assert.True(CompareQuantized("qwen3-bpe3072-tied-f32.gguf", "qwen3-bpe3072-tied-q4_0.gguf", GgmlType.Q4_0) > 10);
    }

    [SharedGgufFact]
    public void Q6_KOfTheLlamaF32FileIsByteIdentical()
    {
        Assert.Equal(16, CompareQuantized("llama-spm2500-f32.gguf", "llama-spm2500-q6_k.gguf", GgmlType.Q6_K, maxRows: 48));
        Assert.Equal(1, CompareQuantized("llama-spm2500-f32.gguf", "llama-spm2500-q4_0.gguf", GgmlType.Q6_K, maxRows: 48));
        Assert.Equal(3, CompareQuantized("qwen3-bpe3072-tied-f32.gguf", "qwen3-bpe3072-tied-q4_k_m.gguf", GgmlType.Q6_K, maxRows: 48));
    }

    [SharedGgufFact]
    public void Q4_KOfTheQ4_K_MFilesIsByteIdentical()
    {
        Assert.Equal(13, CompareQuantized("llama-spm2500-f32.gguf", "llama-spm2500-q4_k_m.gguf", GgmlType.Q4_K, maxRows: 48));
        Assert.Equal(12, CompareQuantized("qwen3-bpe3072-tied-f32.gguf", "qwen3-bpe3072-tied-q4_k_m.gguf", GgmlType.Q4_K, maxRows: 48));
        Assert.True(CompareQuantized("llama-gpt2bpe4096-tied-f16.gguf", "llama-gpt2bpe4096-tied-q4_k_m.gguf", GgmlType.Q4_K, maxRows: 48) > 10);
    }

    /// <summary>Relative RMS error of every quantized tensor of <paramref name="quantized"/> against the F32 source.</summary>
    private static Dictionary<GgmlType, double> RelativeRmsErrors(string quantized)
    {
        using var src = GgufFile.Open(SharedGgufFactAttribute.Model("llama-spm2500-f32.gguf"));
        using var q = GgufFile.Open(SharedGgufFactAttribute.Model(quantized));
        var errors = new Dictionary<GgmlType, double>();
        foreach (var t in q.Tensors.Where(t => t.Type != GgmlType.F32))
        {
            float[] x = src.ReadTensorAsFloat32(t.Name), y = q.ReadTensorAsFloat32(t.Name);
            double err = 0, norm = 0;
            for (int i = 0; i < x.Length; i++)
            {
                err += (x[i] - y[i]) * (double)(x[i] - y[i]);
                norm += x[i] * (double)x[i];
            }
            double rel = Math.Sqrt(err / norm);
            errors[t.Type] = Math.Max(errors.GetValueOrDefault(t.Type), rel);
        }
        return errors;
    }

    [SharedGgufFact]
    public void DequantizedWeightsAreWithinTheQuantizationError()
    {
        // Uniform weights: 4-bit steps give ≈ 7 % relative RMS error, 6-bit ≈ 1.7 %, 8-bit ≈ 0.4 %.
        var q8 = RelativeRmsErrors("llama-spm2500-q8_0.gguf");
        Assert.InRange(q8[GgmlType.Q8_0], 1e-4, 0.008);
        var q4 = RelativeRmsErrors("llama-spm2500-q4_0.gguf");
        Assert.InRange(q4[GgmlType.Q4_0], 0.02, 0.12);
        Assert.InRange(q4[GgmlType.Q6_K], 0.003, 0.03);
        var q4k = RelativeRmsErrors("llama-spm2500-q4_k_m.gguf");
        Assert.InRange(q4k[GgmlType.Q4_K], 0.02, 0.12);
        Assert.InRange(q4k[GgmlType.Q6_K], 0.003, 0.03);
        Assert.InRange(RelativeRmsErrors("llama-spm2500-q6_k.gguf")[GgmlType.Q6_K], 0.003, 0.03);
    }

    [SharedGgufFact]
    public void VectorDequantizationMatchesTheReferenceOnEveryReferenceTensor()
    {
        foreach (string path in Directory.EnumerateFiles(Path.Combine(SharedGgufFactAttribute.Root!, "models"), "*.gguf"))
        {
            using var file = GgufFile.Open(path);
            foreach (var t in file.Tensors.Where(t => t.Type != GgmlType.F32))
            {
                var bytes = file.GetTensorBytes(t);
                var expected = new float[t.ElementCount];
                var actual = new float[t.ElementCount];
                DequantizeReference.Row(t.Type, bytes, expected);
                Dequantize.Row(t.Type, bytes, actual);
                Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), $"{Path.GetFileName(path)} '{t.Name}'");
            }
        }
    }
}
