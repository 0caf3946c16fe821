using Loom.Core;
using Loom.Inference;
using Loom.Kernels;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>The session's contract: config read from metadata, context limits, allocation-free decode, results that
/// do not depend on the thread count or on how the prompt is split into batches.</summary>
public class LlmRuntimeTests
{
    private static int[] PromptIds(string name, int prompt = 0) =>
        ReferenceModels.Ids(ReferenceModels.ExpectedFor(name).GetProperty("prompts")[prompt].GetProperty("ids"));

    [SharedGgufFact]
    public void Config_comes_from_the_metadata()
    {
        var llama = ReferenceModels.Model("llama-spm2500-f32.gguf");
        Assert.Equal("llama", llama.Architecture.Name);
        Assert.Equal((2048, 256, 2, 768, 4, 2, 64, 2500), (llama.Config.ContextLength, llama.Config.EmbeddingLength,
            llama.Config.LayerCount, llama.Config.FeedForwardLength, llama.Config.HeadCount, llama.Config.KvHeadCount,
            llama.Config.KeyLength, llama.Config.VocabSize));
        Assert.Equal(1e-5f, llama.Config.RmsEpsilon);
        Assert.False(llama.Weights.TiedOutput);

        var qwen = ReferenceModels.Model("qwen3-bpe3072-tied-q4_k_m.gguf");
        Assert.Equal("qwen3", qwen.Architecture.Name);
        Assert.Equal((128, 128, 512, 3072, 1e6f), (qwen.Config.KeyLength, qwen.Config.RopeDimensionCount, qwen.Config.QueryWidth,
            qwen.Config.VocabSize, qwen.Config.RopeFreqBase));
        Assert.True(qwen.Weights.TiedOutput);
        Assert.NotNull(qwen.ChatTemplate);
        Assert.Null(llama.ChatTemplate);
    }

    [SharedGgufFact]
    public void Context_override_is_enforced_with_a_clear_error()
    {
        using var model = LlmModel.Load(SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"), contextLength: 16);
        Assert.Equal(16, model.Config.ContextLength);
        Assert.Equal(2048, model.Config.TrainedContextLength);
        var session = model.CreateSession();
        int[] prompt = PromptIds("llama-spm2500-q8_0.gguf");
        var e = Assert.Throws<LoomException>(() => session.Forward(prompt[..20]));
        Assert.Contains("exceed the context length 16", e.Message);
        Assert.Equal(0, session.Position);

        session.Forward(prompt[..10]);
        Assert.Throws<LoomException>(() => session.Forward(prompt[10..17]));
        Assert.Equal(10, session.Position);
        session.Forward(prompt[10..16]);
        Assert.Equal(16, session.Position);

        // Greedy checks before starting: 10 prompt tokens + 8 new need 17 positions, 7 new need 16.
        var greedy = Assert.Throws<LoomException>(() => LlmGeneration.Greedy(session, prompt[..10], 8));
        Assert.Contains("context holds 16", greedy.Message);
        Assert.Equal(7, LlmGeneration.Greedy(session, prompt[..10], 7).Length);
    }

    [SharedGgufTheory]
    [InlineData("llama-spm2500-f32.gguf")]
    [InlineData("qwen3-bpe3072-tied-q4_k_m.gguf")]
    [InlineData("llama-gpt2bpe4096-tied-q4_0.gguf")]
    [InlineData("llama-gpt2bpe4096-tied-f16.gguf")]
    public void Decode_allocates_nothing_after_warm_up(string name)
    {
        var session = ReferenceModels.Model(name).CreateSession();
        int[] prompt = PromptIds(name);
        session.Forward(prompt);
        int token = 100;
        for (int i = 0; i < 3; i++) token = LlmGeneration.ArgMax(session.Forward([token]));
        int[] one = [token];
        // The fewest bytes over a few 16-token windows: a window can catch the runtime's own one-off allocations
        // (re-JIT on this thread); a decode step that allocates shows up in every window.
        long allocated = AllocationProbe.FewestBytes(() =>
        {
            for (int i = 0; i < 16; i++) one[0] = LlmGeneration.ArgMax(session.Forward(one));
        });
        Assert.Equal(0, allocated);
    }

    [SharedGgufTheory]
    [InlineData("llama-spm2500-f32.gguf")]
    [InlineData("qwen3-bpe3072-tied-q8_0.gguf")]
    [InlineData("llama-gpt2bpe4096-tied-q4_k_m.gguf")]
    [InlineData("llama-gpt2bpe4096-tied-q4_0.gguf")] // batched prompt through QuantGemm where the CPU has AVX-512BW
    [InlineData("llama-gpt2bpe4096-tied-f16.gguf")]
    public void One_and_two_threads_give_bit_identical_logits(string name)
    {
        float[] one, two;
        using (KernelOptions.UseThreadsOnThisThread(1)) one = PromptAndDecode(name);
        using (KernelOptions.UseThreadsOnThisThread(2)) two = PromptAndDecode(name);
        Assert.True(one.AsSpan().SequenceEqual(two), $"{name}: logits differ between 1 and 2 threads");
    }

    [SharedGgufTheory]
    [InlineData("llama-spm2500-f32.gguf", 1e-4)]
    [InlineData("qwen3-bpe3072-tied-f32.gguf", 1e-4)]
    public void Batched_prompt_matches_token_by_token(string name, double tolerance)
    {
        var model = ReferenceModels.Model(name);
        int[] prompt = PromptIds(name, 2)[..56];
        float[] whole = model.CreateSession().Forward(prompt).ToArray();
        float[] batches = model.CreateSession(batchSize: 7).Forward(prompt).ToArray();
        var single = model.CreateSession();
        float[] tokens = [];
        foreach (int id in prompt) tokens = single.Forward([id]).ToArray();
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.True(Math.Abs(whole[i] - batches[i]) <= tolerance, $"id {i}: whole prompt {whole[i]}, batches of 7 {batches[i]}");
            Assert.True(Math.Abs(whole[i] - tokens[i]) <= tolerance, $"id {i}: whole prompt {whole[i]}, token by token {tokens[i]}");
        }
    }

    [SharedGgufFact]
    public void Kv_cache_grows_as_tokens_arrive_without_changing_results()
    {
        // Quantized weights: each output is one integer dot per activation row, so splitting the prompt differently
        // changes nothing and the logits must be bit-identical.
        using var model = LlmModel.Load(SharedGgufFactAttribute.Model("llama-spm2500-q4_0.gguf"), contextLength: 600);
        int[] tokens = [.. Enumerable.Range(0, 260).Select(i => (i * 37 + 11) % 2500)];
        var whole = model.CreateSession();
        Assert.Equal(0, whole.Cache.Capacity);
        float[] once = whole.Forward(tokens).ToArray();
        Assert.Equal(260, whole.Cache.Capacity);

        var grown = model.CreateSession();
        grown.Forward(tokens[..100]);
        Assert.Equal(KvCache.MinimumCapacity, grown.Cache.Capacity);
        float[] split = grown.Forward(tokens[100..]).ToArray();
        Assert.Equal(512, grown.Cache.Capacity);
        Assert.Equal(once, split);
        Assert.Equal(4L * 512 * (model.Config.KeyWidth + model.Config.ValueWidth) * model.Config.LayerCount, grown.Cache.Bytes);
    }

    [SharedGgufFact]
    public void Activation_buffers_grow_to_the_longest_batch_only()
    {
        var model = ReferenceModels.Model("llama-spm2500-q4_0.gguf");
        var c = model.Config;
        var session = model.CreateSession(batchSize: 64);
        session.Forward([1]);
        long oneRow = session.BufferBytes;
        long perRow = 4L * (2 * c.EmbeddingLength + c.QueryWidth + c.AttentionOutputWidth + 2 * c.FeedForwardLength
            + c.HeadCount + 1 + c.RopeDimensionCount);
        Assert.Equal(perRow + 4L * (c.EmbeddingLength + c.VocabSize), oneRow);
        session.Forward([.. Enumerable.Range(2, 100)]); // two batches of at most 64 rows
        Assert.Equal(oneRow + 63 * perRow, session.PeakBufferBytes);
        Assert.Equal(oneRow - perRow, session.BufferBytes); // the prompt's rows freed once it is done
        session.Forward([5]);
        Assert.Equal(oneRow, session.BufferBytes);
        Assert.Equal(oneRow + 63 * perRow, session.PeakBufferBytes);
    }

    [SharedGgufFact]
    public void Rewind_replays_the_same_logits()
    {
        var session = ReferenceModels.Model("qwen3-bpe3072-tied-q4_0.gguf").CreateSession();
        int[] prompt = PromptIds("qwen3-bpe3072-tied-q4_0.gguf");
        session.Forward(prompt[..10]);
        float[] first = session.Forward(prompt[10..12]).ToArray();
        session.Rewind(10);
        Assert.Equal(first, session.Forward(prompt[10..12]).ToArray());
        Assert.Throws<LoomException>(() => session.Rewind(13));
        Assert.Throws<LoomException>(() => session.Forward([3072]));
    }

    private static float[] PromptAndDecode(string name)
    {
        var session = ReferenceModels.Model(name).CreateSession();
        var logits = new List<float>(session.Forward(PromptIds(name, 1)).ToArray());
        int token = LlmGeneration.ArgMax(logits.ToArray());
        for (int i = 0; i < 4; i++)
        {
            float[] step = session.Forward([token]).ToArray();
            logits.AddRange(step);
            token = LlmGeneration.ArgMax(step);
        }
        return [.. logits];
    }
}
