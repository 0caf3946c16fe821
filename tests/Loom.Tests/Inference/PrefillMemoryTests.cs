using Loom.Inference;
using Loom.Kernels;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>A prompt's memory is bounded by the session's chunk size, not by the prompt's length: the activation
/// buffers stop at <see cref="LlmSession.ChunkRows"/> rows, a long prompt allocates no more managed memory than a short
/// one, the KV cache is reserved once per call — and none of it changes a bit of the results.</summary>
public class PrefillMemoryTests
{
    private static int[] Ids(LlmModel model, int count, int salt = 11) =>
        [.. Enumerable.Range(0, count).Select(i => (i * 37 + salt) % model.Config.VocabSize)];

    [SharedGgufTheory]
    [InlineData("llama-spm2500-f32.gguf")]
    [InlineData("llama-spm2500-q4_0.gguf")]
    [InlineData("llama-gpt2bpe4096-tied-f16.gguf")]
    [InlineData("qwen3-bpe3072-tied-q4_k_m.gguf")]
    public void Chunked_prefill_gives_the_bits_of_one_whole_batch_pass(string name)
    {
        var model = ReferenceModels.Model(name);
        // 212 tokens in batches of 200: a 200-token batch (7 chunks of 28-29 rows when chunked) and a 12-token tail
        // that multiplies as decode does either way.
        int[] prompt = Ids(model, 212);
        var whole = model.CreateSession(batchSize: 200, chunkRows: 512);
        var chunked = model.CreateSession(batchSize: 200, chunkRows: 32);
        float[] expected = whole.Forward(prompt).ToArray();
        float[] actual = chunked.Forward(prompt).ToArray();
        Assert.Equal(expected, actual);
        Assert.True(chunked.PeakBufferBytes < whole.PeakBufferBytes);
        for (int layer = 0; layer < model.Config.LayerCount; layer++)
        {
            int keys = prompt.Length * model.Config.KeyWidth, values = prompt.Length * model.Config.ValueWidth;
            Assert.True(whole.Cache.Keys(layer).Slice(0, keys).SequenceEqual(chunked.Cache.Keys(layer).Slice(0, keys)), $"layer {layer} keys");
            Assert.True(whole.Cache.Values(layer).Slice(0, values).SequenceEqual(chunked.Cache.Values(layer).Slice(0, values)), $"layer {layer} values");
        }
        // Decoding after either prompt continues identically.
        Assert.Equal(whole.Forward([5]).ToArray(), chunked.Forward([5]).ToArray());
    }

    [SharedGgufFact]
    public void Activation_buffers_stop_at_the_chunk_size_whatever_the_prompt_length()
    {
        var model = ReferenceModels.Model("llama-spm2500-q8_0.gguf");
        var c = model.Config;
        var session = model.CreateSession(chunkRows: 64);
        // Per row: residual, normed (E each), query, attention output, gate and up (F each), RMSNorm
        // scales (one per head), position, RoPE cos and sin (half the rotated dims each); fixed: last normed row and logits.
        long perRow = 4L * (2 * c.EmbeddingLength + c.QueryWidth + c.AttentionOutputWidth + 2 * c.FeedForwardLength
            + Math.Max(c.HeadCount, c.KvHeadCount) + 1 + c.RopeDimensionCount);
        long bound = 64 * perRow + 4L * (c.EmbeddingLength + c.VocabSize);
        long fixedBytes = 4L * (c.EmbeddingLength + c.VocabSize);
        session.Forward(Ids(model, 40));
        Assert.Equal(40 * perRow + fixedBytes, session.PeakBufferBytes);
        int peakRows = 40;
        foreach (int length in new[] { 100, 300, 700 })
        {
            session.Reset();
            session.Forward(Ids(model, length));
            // Buffers sized for the call's largest chunk (the prompt split into equal chunks of at most 64 rows).
            int chunks = (length + 63) / 64;
            peakRows = Math.Max(peakRows, (length + chunks - 1) / chunks);
            Assert.Equal(peakRows * perRow + fixedBytes, session.PeakBufferBytes);
            Assert.True(session.PeakBufferBytes <= bound);
            // The prompt's rows are freed once it is done: decoding holds one row.
            Assert.Equal(fixedBytes, session.BufferBytes);
            session.Forward([7]);
            Assert.Equal(perRow + fixedBytes, session.BufferBytes);
        }
    }

    [SharedGgufFact]
    public void A_long_prompt_allocates_no_more_managed_memory_than_a_short_one()
    {
        var model = ReferenceModels.Model("llama-spm2500-q4_0.gguf");
        var session = model.CreateSession(chunkRows: 64);
        int[] shortPrompt = Ids(model, 70), longPrompt = Ids(model, 600);
        session.Forward(longPrompt); // KV cache and buffers at their size for both prompts
        session.Reset();

        long before = GC.GetAllocatedBytesForCurrentThread();
        session.Forward(shortPrompt);
        long shortBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        session.Reset();
        before = GC.GetAllocatedBytesForCurrentThread();
        session.Forward(longPrompt);
        long longBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        // 530 more tokens: a buffer per token, or per call sized to the prompt, would show as hundreds of KB.
        Assert.True(longBytes <= shortBytes + 1024, $"600-token prompt allocated {longBytes} B, 70-token prompt {shortBytes} B");
    }

    [SharedGgufFact]
    public void A_long_prompt_reserves_its_kv_cache_once()
    {
        var model = ReferenceModels.Model("llama-spm2500-q4_0.gguf");
        // Batches of 256: growing per batch would have allocated 256, 512, then 1024 positions, leaving the first two
        // behind as garbage; the call reserves the 600 it needs at once.
        var session = model.CreateSession(batchSize: 256);
        session.Forward(Ids(model, 600));
        Assert.Equal(600, session.Cache.Capacity);
        session.Forward([1]); // past the reservation: doubling resumes
        Assert.Equal(1200, session.Cache.Capacity);
    }

    [SharedGgufFact]
    public void A_prompt_gives_back_its_gemm_packing_buffers_before_decoding()
    {
        var model = ReferenceModels.Model("llama-spm2500-q4_0.gguf");
        var session = model.CreateSession();
        using (KernelOptions.UseThreadsOnThisThread(1)) // every GEMM on this thread, whose scratch is the one released
        {
            // Packing buffers exist after a GEMM and go when released.
            Gemm.Multiply(new float[64 * 64], new float[64 * 64], new float[64 * 64], 64, 64, 64);
            Assert.True(Gemm.ThreadScratchBytes > 0);
            Gemm.ReleaseThreadScratch();
            Assert.Equal(0, Gemm.ThreadScratchBytes);

            // 40 rows of a quantized model run through the dequantizing GEMM (16+ rows), then the session releases.
            float[] released = session.Forward(Ids(model, 40)).ToArray();
            Assert.Equal(0, Gemm.ThreadScratchBytes);
            // Prompting again after the release (buffers allocated afresh) gives the same bits.
            session.Reset();
            Assert.Equal(released, session.Forward(Ids(model, 40)).ToArray());
        }
    }
}
