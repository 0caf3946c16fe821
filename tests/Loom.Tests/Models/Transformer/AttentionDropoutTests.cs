using Loom.Core;
using Loom.Models.Transformer;
using Loom.Tensors;

namespace Loom.Tests.Models.Transformer;

/// <summary>Dropout on attention weights: training writes attention out with ops, which must be the fused kernel's attention.</summary>
public class AttentionDropoutTests
{
    private static readonly int[] Tokens = TinyModels.Tokens(2 * 10, 16, seed: 4);
    private static readonly int[] Targets = TinyModels.Tokens(2 * 10, 16, seed: 5);

    private static float TrainingLoss(TransformerLm model, ulong maskSeed) =>
        model.Loss(Tokens, Targets, 2, 10, dropoutRandom: new LoomRandom(maskSeed)).Item();

    [Fact]
    public void Written_out_attention_equals_the_fused_kernel_when_nothing_is_dropped()
    {
        // A probability so small that no weight is dropped: the training path (scores, causal mask, softmax, grouped
        // kv heads repeated) must then give the fused kernel's loss, which eval mode uses.
        var model = new TransformerLm(TinyModels.Llama() with { AttentionDropout = 1e-7f }, seed: 2);
        Assert.Equal(4, model.Config.Heads);
        Assert.Equal(2, model.Config.KvHeads);
        float training = TrainingLoss(model, maskSeed: 1);
        model.Eval();
        float fused = model.Loss(Tokens, Targets, 2, 10).Item();
        Assert.Equal(fused, training, 5);
    }

    [Fact]
    public void Written_out_attention_has_the_fused_kernels_gradients()
    {
        var dropping = new TransformerLm(TinyModels.Llama() with { AttentionDropout = 1e-7f }, seed: 2);
        var fused = new TransformerLm(TinyModels.Llama(), seed: 2);
        dropping.Loss(Tokens, Targets, 2, 10, dropoutRandom: new LoomRandom(1)).Backward();
        fused.Loss(Tokens, Targets, 2, 10).Backward();
        var expected = fused.Parameters().ToList();
        var actual = dropping.Parameters().ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            float[] e = expected[i].Grad!.ToArray(), a = actual[i].Grad!.ToArray();
            for (int j = 0; j < e.Length; j++) Assert.True(Math.Abs(e[j] - a[j]) <= 1e-5f + 1e-4f * Math.Abs(e[j]), $"parameter {i}[{j}]: {a[j]} vs {e[j]}");
        }
    }

    [Fact]
    public void Attention_dropout_changes_training_loss_reproducibly_and_leaves_eval_alone()
    {
        var plain = new TransformerLm(TinyModels.Llama(), seed: 2);
        var model = new TransformerLm(TinyModels.Llama() with { AttentionDropout = 0.5f }, seed: 2);
        Assert.True(model.Config.UsesDropout);
        float first = TrainingLoss(model, maskSeed: 1);
        Assert.Equal(first, TrainingLoss(model, maskSeed: 1));
        Assert.NotEqual(first, TrainingLoss(model, maskSeed: 2));
        Assert.NotEqual(plain.Loss(Tokens, Targets, 2, 10).Item(), first);
        model.Eval();
        Assert.Equal(plain.Loss(Tokens, Targets, 2, 10).Item(), model.Loss(Tokens, Targets, 2, 10, dropoutRandom: new LoomRandom(1)).Item());
    }
}
