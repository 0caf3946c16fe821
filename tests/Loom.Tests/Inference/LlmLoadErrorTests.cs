using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Kernels.Quant;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>Files the engine cannot run fail at load with a LoomException naming the key or tensor, expected vs found.</summary>
public class LlmLoadErrorTests
{
    private const string Source = "llama-spm2500-f32.gguf";

    [Fact]
    public void Unknown_architecture_lists_the_supported_ones()
    {
        using var files = new GgufTestFiles();
        string path = files.PathFor("falcon.gguf");
        new GgufWriter().Set("general.architecture", GgufValue.String("falcon")).Write(path);
        var e = Assert.Throws<LoomException>(() => LlmModel.Load(path));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("'falcon'", e.Message);
        Assert.Contains("llama, qwen2, qwen3", e.Message);
    }

    [SharedGgufFact]
    public void Missing_tensor_is_named()
    {
        var e = LoadRewritten(r => r.Drop("blk.1.ffn_up.weight"));
        Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
        Assert.Contains("'blk.1.ffn_up.weight' is missing", e.Message);
        Assert.Contains("[256, 768]", e.Message);
    }

    [SharedGgufFact]
    public void Wrong_shape_names_expected_and_found()
    {
        var e = LoadRewritten(r => r.Put("output_norm.weight", GgmlType.F32, [128], new byte[512]));
        Assert.Contains("'output_norm.weight': expected shape [256], found [128]", e.Message);
    }

    [SharedGgufFact]
    public void Unsupported_tensor_type_is_named()
    {
        // Q2_K has the right byte count for [256, 768] but no matmul path.
        var e = LoadRewritten(r => r.Put("blk.0.ffn_gate.weight", GgmlType.Q2_K, [256, 768],
            new byte[GgmlTypeTraits.RowBytes(GgmlType.Q2_K, 256) * 768]));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("'blk.0.ffn_gate.weight' has type Q2_K", e.Message);
        Assert.Contains("Q4_K", e.Message);
    }

    [SharedGgufFact]
    public void Tensor_the_architecture_does_not_use_is_refused()
    {
        // Q/K norms on a llama file would be ignored, giving logits other than the file's author meant.
        var e = LoadRewritten(r => r.Put("blk.1.attn_q_norm.weight", GgmlType.F32, [64], new byte[256]));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("'blk.1.attn_q_norm.weight'", e.Message);
        Assert.Contains("expected 21 tensors for 2 layers, found 22", e.Message);
    }

    [SharedGgufFact]
    public void Missing_hyperparameter_is_named()
    {
        var e = LoadRewritten(r => r.RenamePrefix("llama.attention.head_count", "unused.head_count"));
        Assert.Contains("'llama.attention.head_count' is missing", e.Message);
    }

    [SharedGgufFact]
    public void Mixture_of_experts_is_refused_by_name()
    {
        var e = LoadRewritten(r => r.SetMetadata("llama.expert_count", GgufValue.UInt32(8)));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("'llama.expert_count' is 8", e.Message);
    }

    [SharedGgufFact]
    public void Qwen2_requires_its_qkv_biases()
    {
        var e = LoadRewritten(r => r.SetMetadata("general.architecture", GgufValue.String("qwen2")).RenamePrefix("llama.", "qwen2."));
        Assert.Contains("'blk.0.attn_q.bias' is missing", e.Message);
    }

    private static LoomException LoadRewritten(Action<ModelRewriter> change)
    {
        using var files = new GgufTestFiles();
        var rewriter = new ModelRewriter(SharedGgufFactAttribute.Model(Source));
        change(rewriter);
        string path = files.PathFor("changed.gguf");
        rewriter.Write(path);
        return Assert.Throws<LoomException>(() => LlmModel.Load(path));
    }
}
