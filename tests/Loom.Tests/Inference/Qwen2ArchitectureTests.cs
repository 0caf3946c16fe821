using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Kernels.Quant;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>
/// qwen2 has no reference file, so one is derived from the llama F32 model: llama GGUFs store each Q/K head permuted
/// so that llama.cpp's "normal" RoPE (adjacent pairs) equals NEOX RoPE (halves) on the original rows. Undoing that
/// permutation, adding zero Q/K/V biases and renaming the architecture gives a qwen2 file that must produce the
/// llama file's logits.
/// </summary>
public class Qwen2ArchitectureTests
{
    [SharedGgufFact]
    public void Qwen2_with_neox_rows_and_zero_biases_matches_the_llama_model()
    {
        const string name = "llama-spm2500-f32.gguf";
        var llama = ReferenceModels.Model(name);
        var c = llama.Config;
        var rewriter = new ModelRewriter(SharedGgufFactAttribute.Model(name))
            .SetMetadata("general.architecture", GgufValue.String("qwen2"))
            .RenamePrefix("llama.", "qwen2.");
        for (int layer = 0; layer < c.LayerCount; layer++)
        {
            Unpermute(rewriter, GgufNames.Query(layer), c.HeadCount, c.KeyLength, c.EmbeddingLength);
            Unpermute(rewriter, GgufNames.Key(layer), c.KvHeadCount, c.KeyLength, c.EmbeddingLength);
            rewriter.Put(GgufNames.QueryBias(layer), GgmlType.F32, [c.QueryWidth], new byte[4 * c.QueryWidth]);
            rewriter.Put(GgufNames.KeyBias(layer), GgmlType.F32, [c.KeyWidth], new byte[4 * c.KeyWidth]);
            rewriter.Put(GgufNames.ValueBias(layer), GgmlType.F32, [c.ValueWidth], new byte[4 * c.ValueWidth]);
        }
        using var files = new GgufTestFiles();
        string path = files.PathFor("qwen2.gguf");
        rewriter.Write(path);
        using var qwen2 = LlmModel.Load(path);
        Assert.Equal("qwen2", qwen2.Architecture.Name);
        Assert.NotNull(qwen2.Weights.Layers[1].ValueBias);

        int[] prompt = ReferenceModels.Ids(ReferenceModels.ExpectedFor(name).GetProperty("prompts")[2].GetProperty("ids"));
        float[] want = llama.CreateSession().Forward(prompt).ToArray();
        float[] got = qwen2.CreateSession().Forward(prompt).ToArray();
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4f, $"id {i}: llama {want[i]}, qwen2 {got[i]}");
    }

    // GGUF row h·d + 2i + j holds original row h·d + j·d/2 + i (llama.cpp's convert permute); put rows back.
    private static void Unpermute(ModelRewriter rewriter, string tensor, int heads, int headDim, int columns)
    {
        byte[] permuted = rewriter.Data(tensor), original = new byte[permuted.Length];
        int rowBytes = 4 * columns;
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < headDim / 2; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    permuted.AsSpan((h * headDim + 2 * i + j) * rowBytes, rowBytes)
                        .CopyTo(original.AsSpan((h * headDim + j * headDim / 2 + i) * rowBytes));
                }
            }
        }
        rewriter.Put(tensor, GgmlType.F32, [columns, heads * headDim], original);
    }
}
