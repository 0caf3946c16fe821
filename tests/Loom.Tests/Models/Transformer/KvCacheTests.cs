using Loom.Core;
using Loom.Models.Transformer;
using Loom.Tensors;

namespace Loom.Tests.Models.Transformer;

public class KvCacheTests
{
    [Theory]
    [InlineData(TransformerStyle.Llama, 1)]
    [InlineData(TransformerStyle.Llama, 3)]
    [InlineData(TransformerStyle.Gpt2, 2)]
    public void Prefill_then_one_token_at_a_time_matches_a_full_forward(TransformerStyle style, int batch)
    {
        var config = style == TransformerStyle.Llama ? TinyModels.Llama() : TinyModels.Gpt2();
        var model = new TransformerLm(config, seed: 9);
        model.Eval();
        const int time = 12, prompt = 5;
        var tokens = TinyModels.Tokens(batch * time, config.VocabSize, 10);
        var full = model.Forward(tokens, batch, time).ToArray(); // [B, T, V]

        var session = model.CreateSession(batch);
        var prefill = session.Append(Columns(tokens, batch, time, 0, prompt));
        AssertPosition(full, prefill.ToArray(), batch, time, config.VocabSize, prompt - 1);
        for (int t = prompt; t < time; t++)
        {
            var step = session.Append(Columns(tokens, batch, time, t, 1));
            Assert.Equal([batch, config.VocabSize], step.ShapeArray);
            AssertPosition(full, step.ToArray(), batch, time, config.VocabSize, t);
        }
        Assert.Equal(time, session.Position);
    }

    [Fact]
    public void Append_all_returns_every_position_and_rewind_recomputes_the_same_logits()
    {
        var config = TinyModels.Llama();
        var model = new TransformerLm(config, seed: 4);
        model.Eval();
        var tokens = TinyModels.Tokens(10, config.VocabSize, 3);
        var full = model.Forward(tokens, 1, 10).ToArray();
        var session = model.CreateSession();
        var all = session.AppendAll(tokens);
        Assert.Equal([1, 10, config.VocabSize], all.ShapeArray);
        Assert.All(full.Zip(all.ToArray()), p => Assert.Equal(p.First, p.Second, 1e-4f));

        session.Rewind(6);
        var again = session.Append(tokens[6..8]);
        AssertPosition(full, again.ToArray(), 1, 10, config.VocabSize, 7);
    }

    [Fact]
    public void The_session_records_no_graph_even_when_parameters_require_grad()
    {
        var model = new TransformerLm(TinyModels.Llama(), seed: 1);
        var logits = model.CreateSession().Append([1, 2, 3]);
        Assert.False(logits.RequiresGrad);
    }

    [Fact]
    public void Decoding_past_the_context_length_throws_a_clear_error()
    {
        var model = new TransformerLm(TinyModels.Llama(context: 4));
        var session = model.CreateSession();
        session.Append([1, 2, 3, 4]);
        var e = Assert.Throws<LoomException>(() => session.Append([5]));
        Assert.Contains("context length 4", e.Message);
        Assert.Equal(4, session.Position);
    }

    private static int[] Columns(int[] tokens, int batch, int time, int start, int count)
    {
        var result = new int[batch * count];
        for (int b = 0; b < batch; b++) Array.Copy(tokens, b * time + start, result, b * count, count);
        return result;
    }

    private static void AssertPosition(float[] full, float[] step, int batch, int time, int vocab, int position)
    {
        for (int b = 0; b < batch; b++)
        for (int v = 0; v < vocab; v++)
            Assert.Equal(full[(b * time + position) * vocab + v], step[b * vocab + v], 1e-4f);
    }
}
