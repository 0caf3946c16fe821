using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Kernels.Quant;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>RoPE scaling metadata: rope_freqs.weight divides each frequency's angle (Llama 3.1+), a linear
/// rope.scaling.factor divides every angle, and kinds Loom does not implement fail instead of running wrongly.</summary>
public class RopeScalingTests
{
    private const string Source = "qwen3-bpe3072-tied-q8_0.gguf";

    [SharedGgufFact]
    public void Frequency_factors_of_two_equal_linear_scaling_by_two()
    {
        float[] plain = Logits(_ => { });
        float[] factors = Logits(r => r.Put(GgufNames.RopeFrequencies, GgmlType.F32, [64],
            MemoryMarshal.AsBytes(Enumerable.Repeat(2f, 64).ToArray().AsSpan()).ToArray()));
        float[] linear = Logits(r => r.SetMetadata("qwen3.rope.scaling.type", GgufValue.String("linear"))
            .SetMetadata("qwen3.rope.scaling.factor", GgufValue.Float32(2f)));
        Assert.Equal(factors, linear);
        Assert.NotEqual(plain, linear);
    }

    [SharedGgufFact]
    public void Unsupported_scaling_type_is_named()
    {
        using var files = new GgufTestFiles();
        string path = files.PathFor("yarn.gguf");
        new ModelRewriter(SharedGgufFactAttribute.Model(Source)).SetMetadata("qwen3.rope.scaling.type", GgufValue.String("yarn")).Write(path);
        var e = Assert.Throws<LoomException>(() => LlmModel.Load(path));
        Assert.Contains("'qwen3.rope.scaling.type' is 'yarn'", e.Message);
    }

    private static float[] Logits(Action<ModelRewriter> change)
    {
        using var files = new GgufTestFiles();
        var rewriter = new ModelRewriter(SharedGgufFactAttribute.Model(Source));
        change(rewriter);
        string path = files.PathFor("scaled.gguf");
        rewriter.Write(path);
        using var model = LlmModel.Load(path, contextLength: 64);
        int[] prompt = ReferenceModels.Ids(ReferenceModels.ExpectedFor(Source).GetProperty("prompts")[0].GetProperty("ids"));
        return model.CreateSession().Forward(prompt).ToArray();
    }
}
