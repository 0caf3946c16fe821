using Loom.Inference;
using Loom.Inference.Batching;
using Loom.Models.Transformer;
using Loom.Tests.Formats.Gguf;
using Loom.Tests.Models.Transformer;

namespace Loom.Tests.Inference.Batching;

/// <summary>
/// Continuous batching must not change what a sequence computes: each sequence's logits in a shared step equal the
/// logits the same tokens give through a lone LlmSession, whatever joins or leaves meanwhile.
/// </summary>
public class BatchSchedulerTests
{
    /// <summary>Feeds a fixed list of tokens (teacher forcing) and records every logit vector it is given.</summary>
    private sealed class ScriptedSequence(int[] prompt, int[] then, CancellationToken cancellation = default) : IBatchSequence
    {
        private int _step;
        public List<float[]> Logits { get; } = [];
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyList<int> Prompt => prompt;
        public CancellationToken Cancellation => cancellation;

        public int Next(ReadOnlySpan<float> logits, bool contextFull)
        {
            Logits.Add(logits.ToArray());
            return _step < then.Length ? then[_step++] : -1;
        }

        public void Completed(Exception? error) => Done.SetResult(error);
    }

    private static List<float[]> Solo(LlmModel model, int[] prompt, int[] then, int promptBatch = 256)
    {
        var session = model.CreateSession(promptBatch);
        var result = new List<float[]> { session.Forward(prompt).ToArray() };
        foreach (int t in then) result.Add(session.Forward([t]).ToArray());
        return result;
    }

    private static void AssertBatchedEqualsSolo(LlmModel model, float tolerance)
    {
        var rng = new Random(5);
        int vocab = model.Config.VocabSize;
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab))];
        // Different prompt lengths and generation lengths: sequences join and leave at different steps.
        var scripts = Enumerable.Range(0, 5).Select(i => (Prompt: Tokens(3 + 4 * i), Then: Tokens(6 + 3 * (i % 3)))).ToArray();
        using var scheduler = new BatchScheduler(model, new BatchSchedulerOptions { MaxSequences = 4, PrefillChunk = 64 });
        var sequences = scripts.Select(s => new ScriptedSequence(s.Prompt, s.Then)).ToArray();
        foreach (var s in sequences) scheduler.Submit(s);
        foreach (var s in sequences) Assert.Null(s.Done.Task.Wait(TimeSpan.FromSeconds(30)) ? s.Done.Task.Result : new TimeoutException());
        Assert.True(scheduler.DecodedTokens > scheduler.Steps, $"steps were never shared: {scheduler.Steps} steps for {scheduler.DecodedTokens} tokens");
        for (int i = 0; i < scripts.Length; i++)
        {
            var expected = Solo(model, scripts[i].Prompt, scripts[i].Then);
            Assert.Equal(expected.Count, sequences[i].Logits.Count);
            for (int step = 0; step < expected.Count; step++)
            {
                for (int v = 0; v < vocab; v++)
                {
                    float e = expected[step][v], a = sequences[i].Logits[step][v];
                    Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1f, Math.Abs(e)), $"sequence {i}, step {step}, token {v}: solo {e}, batched {a}");
                }
            }
        }
    }

    [Theory]
    [InlineData("q8_0", 0f)]
    [InlineData("q4_k_m", 0f)]
    [InlineData("f16", 0f)]
    [InlineData("f32", 0f)]
    public void Batched_logits_equal_solo_logits_on_a_synthetic_model(string type, float tolerance)
    {
        using var dir = new TinyModels.TempDir();
        using var model = LlmModel.Load(SyntheticGguf.Write(dir.Path, "synth", GgufQuantization.Parse(type)));
        AssertBatchedEqualsSolo(model, tolerance);
    }

    [Theory]
    [InlineData("q8_0")]
    [InlineData("q4_k_m")]
    [InlineData("f32")]
    public async Task Prompts_read_in_one_pass_give_each_sequence_its_solo_logits(string type)
    {
        using var dir = new TinyModels.TempDir();
        using var model = LlmModel.Load(SyntheticGguf.Write(dir.Path, "synth", GgufQuantization.Parse(type)));
        var rng = new Random(11);
        int vocab = model.Config.VocabSize;
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab))];
        // With 40-token chunks (the synthetic model's context is 64): 17 and 20 tokens take the float-activation GEMM,
        // 2 the int8 path, all in the first pass; 50 is read as 40 then 10, the 10 together with the 3.
        const int chunk = 40;
        var scripts = new[] { 17, 20, 2, 50, 3 }.Select(n => (Prompt: Tokens(n), Then: Tokens(4))).ToArray();
        using var scheduler = new BatchScheduler(model, new BatchSchedulerOptions { MaxSequences = 8, PrefillChunk = chunk });
        // The gate holds the loop inside its first Next while the others are submitted, so they arrive together.
        var gate = new GateSequence();
        scheduler.Submit(gate);
        Assert.True(gate.Entered.Wait(TimeSpan.FromSeconds(30)));
        var sequences = scripts.Select(s => new ScriptedSequence(s.Prompt, s.Then)).ToArray();
        foreach (var s in sequences) scheduler.Submit(s);
        gate.Release.Set();
        foreach (var s in sequences) Assert.Null(await s.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        // 1 pass for the gate, then [17, 20, 2], [40 of 50], [10 of 50, 3]: fewer passes than the 7 chunks.
        Assert.Equal(4, scheduler.PrefillPasses);
        for (int i = 0; i < scripts.Length; i++)
        {
            var expected = Solo(model, scripts[i].Prompt, scripts[i].Then, chunk);
            Assert.Equal(expected.Count, sequences[i].Logits.Count);
            for (int step = 0; step < expected.Count; step++)
                Assert.True(expected[step].AsSpan().SequenceEqual(sequences[i].Logits[step]), $"{type}: sequence {i} (prompt {scripts[i].Prompt.Length}), step {step} differs from solo");
        }
    }

    [Fact]
    public async Task A_sequence_submitted_during_a_step_is_read_in_the_next_iteration_and_decodes_in_the_step_after()
    {
        using var dir = new TinyModels.TempDir();
        using var model = LlmModel.Load(SyntheticGguf.Write(dir.Path, "synth", GgufQuantization.Q8_0));
        using var scheduler = new BatchScheduler(model);
        var late = new StepRecorder(scheduler, [4, 5], steps: 3);
        long submittedAt = -1;
        var early = new StepRecorder(scheduler, [1, 2, 3], steps: 8, onStep: (steps, count) =>
        {
            if (count != 3) return;
            submittedAt = steps; // inside decode step `steps`, on the loop thread
            scheduler.Submit(late);
        });
        scheduler.Submit(early);
        Assert.Null(await early.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await late.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        // Its prompt is read right after the next decode step, and it decodes in the step after that.
        Assert.Equal([submittedAt + 1, submittedAt + 2, submittedAt + 3], late.SeenSteps);
    }

    /// <summary>Records the scheduler's step count at every Next; ends after <c>steps</c> calls.</summary>
    private sealed class StepRecorder(BatchScheduler scheduler, int[] prompt, int steps, Action<long, int>? onStep = null) : IBatchSequence
    {
        public List<long> SeenSteps { get; } = [];
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyList<int> Prompt => prompt;
        public CancellationToken Cancellation => CancellationToken.None;

        public int Next(ReadOnlySpan<float> logits, bool contextFull)
        {
            SeenSteps.Add(scheduler.Steps);
            onStep?.Invoke(scheduler.Steps, SeenSteps.Count);
            return SeenSteps.Count < steps ? 1 : -1;
        }

        public void Completed(Exception? error) => Done.SetResult(error);
    }

    /// <summary>Blocks the scheduler's loop in its first Next until released, then ends.</summary>
    private sealed class GateSequence : IBatchSequence
    {
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public IReadOnlyList<int> Prompt => [1, 2];
        public CancellationToken Cancellation => CancellationToken.None;

        public int Next(ReadOnlySpan<float> logits, bool contextFull)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            return -1;
        }

        public void Completed(Exception? error)
        {
        }
    }

    [SharedGgufFact]
    public void Batched_logits_equal_solo_logits_on_the_reference_q8_model() =>
        AssertBatchedEqualsSolo(ReferenceModels.Model("llama-spm2500-q8_0.gguf"), 0f);

    [Fact]
    public async Task A_cancelled_sequence_leaves_with_the_cancellation_and_the_others_finish()
    {
        using var dir = new TinyModels.TempDir();
        using var model = LlmModel.Load(SyntheticGguf.Write(dir.Path, "synth", GgufQuantization.Q8_0));
        using var scheduler = new BatchScheduler(model);
        using var cts = new CancellationTokenSource();
        var endless = new CancellingSequence([1, 2, 3], cts, cancelAfter: 5);
        var normal = new ScriptedSequence([4, 5], [6, 7, 8]);
        scheduler.Submit(endless);
        scheduler.Submit(normal);
        Assert.IsType<OperationCanceledException>(await endless.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(5, endless.Steps); // it left at the next step: no token after the cancellation
        Assert.Null(await normal.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private sealed class CancellingSequence(int[] prompt, CancellationTokenSource cts, int cancelAfter) : IBatchSequence
    {
        public int Steps { get; private set; }
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyList<int> Prompt => prompt;
        public CancellationToken Cancellation => cts.Token;

        public int Next(ReadOnlySpan<float> logits, bool contextFull)
        {
            if (++Steps == cancelAfter) cts.Cancel();
            return 1;
        }

        public void Completed(Exception? error) => Done.SetResult(error);
    }
}
