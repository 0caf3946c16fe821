using Loom.Core;
using Loom.Models.Transformer;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Tests.Models.Transformer;

public class TransformerLmTests
{
    [Theory]
    [InlineData(TransformerStyle.Llama)]
    [InlineData(TransformerStyle.Gpt2)]
    public void Forward_gives_logits_batch_by_time_by_vocab(TransformerStyle style)
    {
        var config = style == TransformerStyle.Llama ? TinyModels.Llama() : TinyModels.Gpt2();
        var model = new TransformerLm(config, seed: 1);
        var logits = model.Forward(TinyModels.Tokens(3 * 5, config.VocabSize, 2), batch: 3, time: 5);
        Assert.Equal([3, 5, config.VocabSize], logits.ShapeArray);
        Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Parameter_names_follow_hugging_face_llama()
    {
        var names = new TransformerLm(TinyModels.Llama()).NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("model.embed_tokens.weight", names[0]);
        Assert.Contains("model.layers.0.input_layernorm.weight", names);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", names);
        Assert.Contains("model.layers.1.self_attn.o_proj.weight", names);
        Assert.Contains("model.layers.1.mlp.gate_proj.weight", names);
        Assert.Contains("model.layers.1.post_attention_layernorm.weight", names);
        Assert.Equal("model.norm.weight", names[^1]); // tied: no lm_head.weight
        Assert.DoesNotContain(names, n => n.EndsWith(".bias", StringComparison.Ordinal));

        var gpt2 = new TransformerLm(TinyModels.Gpt2()).NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("model.embed_positions.weight", gpt2);
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", gpt2);
        Assert.Contains("model.layers.0.input_layernorm.bias", gpt2);
        Assert.DoesNotContain("model.layers.0.mlp.gate_proj.weight", gpt2);
        Assert.Equal("lm_head.weight", gpt2[^1]);
    }

    [Fact]
    public void Grouped_query_attention_shrinks_key_and_value_projections()
    {
        var model = new TransformerLm(TinyModels.Llama()); // 4 heads, 2 kv heads, head size 8
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ShapeArray);
        Assert.Equal([32, 32], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([16, 32], shapes["model.layers.0.self_attn.k_proj.weight"]);
        Assert.Equal([16, 32], shapes["model.layers.0.self_attn.v_proj.weight"]);
    }

    [Fact]
    public void Tied_embeddings_share_the_output_matrix_and_receive_both_gradients()
    {
        var model = new TransformerLm(TinyModels.Llama(), seed: 3);
        Assert.Same(model.Decoder.TokenEmbedding.Weight, model.OutputWeight);
        var tokens = TinyModels.Tokens(8, 16, 4);
        model.Loss(tokens, TinyModels.Tokens(8, 16, 5), 1, 8).Backward();
        // Rows of tokens that never appear in the input still get gradient, through the output layer.
        var grad = model.Decoder.TokenEmbedding.Weight.Grad!.ToArray();
        int unused = Enumerable.Range(0, 16).First(t => !tokens.Contains(t));
        Assert.Contains(grad.Skip(unused * 32).Take(32), g => g != 0f);
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void Initialization_is_seeded_and_follows_gpt2()
    {
        var config = TinyModels.Llama() with { ModelDim = 64, Layers = 4 };
        var a = new TransformerLm(config, seed: 7);
        Assert.Equal(a.StateDict()["model.layers.0.mlp.up_proj.weight"].ToArray(),
            new TransformerLm(config, seed: 7).StateDict()["model.layers.0.mlp.up_proj.weight"].ToArray());
        Assert.NotEqual(a.StateDict()["model.layers.0.mlp.up_proj.weight"].ToArray(),
            new TransformerLm(config, seed: 8).StateDict()["model.layers.0.mlp.up_proj.weight"].ToArray());
        Assert.Equal(0.02, Std(a.StateDict()["model.layers.0.mlp.up_proj.weight"].ToArray()), 0.002);
        Assert.Equal(0.02 / Math.Sqrt(8), Std(a.StateDict()["model.layers.0.mlp.down_proj.weight"].ToArray()), 0.001);
        Assert.All(a.StateDict()["model.norm.weight"].ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Loss_at_initialization_is_close_to_uniform()
    {
        var config = TinyModels.Llama(vocab: 50);
        var model = new TransformerLm(config, seed: 11);
        float loss = model.Loss(TinyModels.Tokens(32, 50, 1), TinyModels.Tokens(32, 50, 2), 2, 16).Item();
        Assert.Equal(Math.Log(50), loss, 0.1);
    }

    [Fact]
    public void Loss_skips_ignored_targets()
    {
        var model = new TransformerLm(TinyModels.Llama(), seed: 2);
        var tokens = TinyModels.Tokens(8, 16, 3);
        var targets = TinyModels.Tokens(8, 16, 4);
        var masked = (int[])targets.Clone();
        for (int i = 4; i < 8; i++) masked[i] = -1;
        var logits = model.Forward(tokens, 1, 8);
        float firstHalf = Ops.CrossEntropy(logits.Slice(1, 0, 4), targets[..4]).Item();
        Assert.Equal(firstHalf, model.Loss(tokens, masked, 1, 8, ignoreIndex: -1).Item(), 5);
    }

    [Theory]
    [InlineData(TransformerStyle.Llama)]
    [InlineData(TransformerStyle.Gpt2)]
    public void Overfitting_one_batch_drives_the_loss_near_zero(TransformerStyle style)
    {
        var config = (style == TransformerStyle.Llama ? TinyModels.Llama() : TinyModels.Gpt2()) with { VocabSize = 12 };
        var model = new TransformerLm(config, seed: 5);
        var sequence = TinyModels.Tokens(2 * 13, 12, 6);
        int[] tokens = new int[2 * 12], targets = new int[2 * 12];
        for (int b = 0; b < 2; b++)
        {
            Array.Copy(sequence, b * 13, tokens, b * 12, 12);
            Array.Copy(sequence, b * 13 + 1, targets, b * 12, 12);
        }
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 1e-2f, weightDecay: 0f);
        float first = 0, loss = 0;
        for (int step = 0; step < 150; step++)
        {
            optimizer.ZeroGrad();
            var l = model.Loss(tokens, targets, 2, 12);
            l.Backward();
            optimizer.Step();
            loss = l.Item();
            if (step == 0) first = loss;
        }
        Assert.True(first > 2f, $"initial loss {first}");
        Assert.True(loss < 0.05f, $"loss after 150 steps: {loss}");
    }

    [Fact]
    public void Sequences_longer_than_the_context_and_bad_ids_are_rejected()
    {
        var model = new TransformerLm(TinyModels.Llama(context: 8));
        var e = Assert.Throws<LoomException>(() => model.Forward(new int[9], 1, 9));
        Assert.Contains("context length 8", e.Message);
        Assert.Contains("token id 16", Assert.Throws<LoomException>(() => model.Forward([1, 16], 1, 2)).Message);
        Assert.Equal(LoomErrorCode.ShapeMismatch, Assert.Throws<LoomException>(() => model.Forward(new int[5], 2, 3)).Code);
    }

    [Fact]
    public void Dropout_changes_training_outputs_but_not_eval_outputs()
    {
        var model = new TransformerLm(TinyModels.Llama() with { Dropout = 0.5f }, seed: 1);
        var tokens = TinyModels.Tokens(8, 16, 1);
        Assert.NotEqual(model.Forward(tokens, 1, 8).ToArray(), model.Forward(tokens, 1, 8).ToArray());
        model.Eval();
        Assert.Equal(model.Forward(tokens, 1, 8).ToArray(), model.Forward(tokens, 1, 8).ToArray());
    }

    private static double Std(float[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
