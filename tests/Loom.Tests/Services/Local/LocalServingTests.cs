using Loom.Core;
using Loom.Models.Transformer;
using Loom.Services.Local;
using Loom.Services.Models;
using Loom.Tests.Inference.Batching;
using Loom.Tests.Models.Transformer;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;
using TokenLogprob = Loom.Services.Models.TokenLogprob;

namespace Loom.Tests.Services.Local;

/// <summary>The catalog and the IChatClient / ITextCompleter / embeddings over a small synthetic GGUF model.</summary>
public sealed class LocalServingTests : IDisposable
{
    private readonly TinyModels.TempDir _dir = new();
    private readonly ManualClock _clock = new();
    private readonly LocalModelCatalog _catalog;

    public LocalServingTests()
    {
        SyntheticGguf.Write(_dir.Path, "tiny", GgufQuantization.Q8_0);
        _catalog = new LocalModelCatalog(new LocalModelCatalogOptions
        {
            Directory = _dir.Path, SweepInterval = null, IdleTimeout = TimeSpan.FromMinutes(1), Time = _clock,
        });
    }

    public void Dispose()
    {
        _catalog.Dispose();
        _dir.Dispose();
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static async Task<(string Text, List<ChatResponseUpdate> Updates)> Complete(IServedModel model, string prompt, ChatOptions options,
        CancellationToken cancellation = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in model.Completions!.CompleteStreamingAsync(prompt, options, cancellation)) updates.Add(u);
        return (string.Concat(updates.Select(u => u.Text)), updates);
    }

    [Fact]
    public async Task The_catalog_lists_loads_once_and_unloads_only_idle_unleased_models()
    {
        var info = Assert.Single(_catalog.List());
        Assert.Equal("tiny", info.Id);
        Assert.Equal("gguf", info.Kind);
        Assert.True(info.Capabilities.HasFlag(ModelCapabilities.Chat | ModelCapabilities.Embeddings));
        Assert.Empty(_catalog.Loaded);
        var leases = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _catalog.AcquireAsync("tiny").AsTask()));
        Assert.All(leases, l => Assert.Same(leases[0].Model, l.Model)); // concurrent first requests share one load
        _clock.Now += TimeSpan.FromHours(1);
        Assert.Empty(_catalog.UnloadIdle()); // leased: never unloaded
        foreach (var lease in leases) lease.Dispose();
        _clock.Now += TimeSpan.FromSeconds(30);
        Assert.Empty(_catalog.UnloadIdle()); // released 30 s ago, timeout 1 min
        _clock.Now += TimeSpan.FromSeconds(31);
        Assert.Equal(["tiny"], _catalog.UnloadIdle());
        Assert.Empty(_catalog.Loaded);
        using var again = await _catalog.AcquireAsync("tiny");
        Assert.NotSame(leases[0].Model, again.Model);
    }

    [Fact]
    public async Task An_unknown_model_is_not_found_and_names_the_known_ones()
    {
        var e = await Assert.ThrowsAsync<LoomException>(() => _catalog.AcquireAsync("nope").AsTask());
        Assert.Equal(LoomErrorCode.NotFound, e.Code);
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("tiny", e.Message);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_text_and_max_tokens_ends_with_length_and_usage()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        var options = new ChatOptions { Seed = 42, Temperature = 1f, MaxOutputTokens = 12 };
        var (a, updates) = await Complete(lease.Model, "the quick", options);
        var (b, _) = await Complete(lease.Model, "the quick", options);
        Assert.Equal(a, b);
        Assert.False(string.IsNullOrEmpty(a));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(12, usage.OutputTokenCount);
        Assert.Equal(lease.Model.Tokenizer!.Encode("the quick", addSpecial: true).Length, usage.InputTokenCount);
    }

    [Fact]
    public async Task A_stop_string_never_appears_and_ends_with_stop()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        // End-of-generation tokens banned, so the free run is long enough to pick a stop string from.
        var noEnd = ((GgufServedModel)lease.Model).EndOfGeneration.ToDictionary(id => id, _ => float.NegativeInfinity);
        var free = await Complete(lease.Model, "the", new ChatOptions { Seed = 7, MaxOutputTokens = 30, AdditionalProperties = new() { [LoomChatOptions.LogitBias] = noEnd } });
        Assert.True(free.Text.Length >= 6, free.Text);
        string stop = free.Text.Substring(3, 2);
        var stopped = await Complete(lease.Model, "the", new ChatOptions
        {
            Seed = 7, MaxOutputTokens = 30, StopSequences = [stop], AdditionalProperties = new() { [LoomChatOptions.LogitBias] = noEnd },
        });
        Assert.DoesNotContain(stop, stopped.Text);
        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.Updates[^1].FinishReason);
    }

    [Fact]
    public async Task Logit_bias_forces_and_bans_tokens_and_logprobs_are_sorted_and_not_positive()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        int x = lease.Model.Tokenizer!.Encode("x", addSpecial: false).Single();
        var forced = await Complete(lease.Model, "the", new ChatOptions
        {
            Seed = 1, MaxOutputTokens = 5,
            AdditionalProperties = new() { [LoomChatOptions.LogitBias] = new Dictionary<int, float> { [x] = 100f }, [LoomChatOptions.TopLogprobs] = 3 },
        });
        Assert.Equal("xxxxx", forced.Text);
        var logprobs = forced.Updates.SelectMany(u => (u.AdditionalProperties?.TryGetValue(LoomChatOptions.UpdateLogprobs, out object? v) == true ? v as IReadOnlyList<TokenLogprob> : null) ?? []).ToList();
        Assert.Equal(5, logprobs.Count);
        foreach (var lp in logprobs)
        {
            Assert.True(lp.Logprob <= 0f);
            Assert.Equal(3, lp.Top.Count);
            Assert.True(lp.Top[0].Logprob >= lp.Top[1].Logprob && lp.Top[1].Logprob >= lp.Top[2].Logprob);
            Assert.True(lp.Top.Sum(t => Math.Exp(t.Logprob)) <= 1.0001);
        }
        var greedy = await Complete(lease.Model, "the", new ChatOptions { Temperature = 0f, MaxOutputTokens = 8 });
        int favourite = lease.Model.Tokenizer.Encode(greedy.Text[..1], addSpecial: false).Single();
        var banned = await Complete(lease.Model, "the", new ChatOptions
        {
            Temperature = 0f, MaxOutputTokens = 8,
            AdditionalProperties = new() { [LoomChatOptions.LogitBias] = new Dictionary<int, float> { [favourite] = -100f } },
        });
        Assert.DoesNotContain(greedy.Text[..1], banned.Text);
    }

    [Fact]
    public void Penalties_follow_openai_arithmetic()
    {
        float[] logits = [2f, 1f, 0.5f, -1f];
        var history = new TokenHistory(-1);
        foreach (int t in new[] { 0, 0, 3 }) history.Accept(t);
        var candidates = new TokenCandidates();
        candidates.Load(logits);
        new PenaltiesStep(1f, presence: 0.5f, frequency: 0.25f).Apply(candidates, new SamplerContext(new LoomRandom(0), history));
        // OpenAI: logit − presence·[c > 0] − frequency·c
        float[] expected = [2f - 0.5f - 2 * 0.25f, 1f, 0.5f, -1f - 0.5f - 0.25f];
        for (int i = 0; i < logits.Length; i++) Assert.Equal(expected[i], candidates.LogitsForEdit()[candidates.IndexOf(i)], 6);
    }

    [Fact]
    public async Task Chat_applies_a_template_and_an_over_long_request_is_context_length_exceeded()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        var response = await lease.Model.Chat!.GetResponseAsync([new ChatMessage(ChatRole.User, "a fox")], new ChatOptions { Seed = 3, MaxOutputTokens = 4 });
        Assert.Equal(4, response.Usage!.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 5); // the template's markers were added around "a fox"
        var tooLong = Assert.Throws<LoomException>(() => lease.Model.Completions!.CompleteStreamingAsync(new string('a', 80)));
        Assert.Equal(LoomErrorCode.ContextLengthExceeded, tooLong.Code);
        var tooMany = Assert.Throws<LoomException>(() => lease.Model.Completions!.CompleteStreamingAsync("the", new ChatOptions { MaxOutputTokens = 64 }));
        Assert.Equal(LoomErrorCode.ContextLengthExceeded, tooMany.Code);
    }

    [Fact]
    public async Task Cancelling_stops_the_stream()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in lease.Model.Completions!.CompleteStreamingAsync("the", new ChatOptions { Seed = 1, MaxOutputTokens = 50 }, cts.Token))
            {
                if (++seen == 3) cts.Cancel();
            }
        });
        Assert.Equal(3, seen);
    }

    [Fact]
    public async Task Embeddings_are_unit_length_deterministic_and_differ_between_texts()
    {
        using var lease = await _catalog.AcquireAsync("tiny");
        var result = await lease.Model.Embeddings!.GenerateAsync(["the quick fox", "a lazy dog", "the quick fox"]);
        Assert.Equal(3, result.Count);
        foreach (var e in result) Assert.Equal(1.0, Math.Sqrt(e.Vector.ToArray().Sum(v => (double)v * v)), 4);
        Assert.Equal(result[0].Vector.ToArray(), result[2].Vector.ToArray());
        Assert.NotEqual(result[0].Vector.ToArray(), result[1].Vector.ToArray());
    }
}
