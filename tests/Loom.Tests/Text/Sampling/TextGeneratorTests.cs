using Loom.Core;
using Loom.Text.Sampling;

namespace Loom.Tests.Text.Sampling;

public class TextGeneratorTests
{
    private const int Eos = 0;

    /// <summary>A deterministic "model" over ids 0 = EOS, 1..26 = 'a'..'z': after token t the next token is
    /// <c>next[t]</c> with logit 10, everything else 0. It records what it was fed.</summary>
    private sealed class TableModel(Dictionary<char, char> next, int contextLength = 100) : ILogitSource
    {
        private readonly float[] _logits = new float[27];

        public List<int[]> Fed { get; } = [];

        public int Resets { get; private set; }

        public int ContextLength => contextLength;

        public void Reset()
        {
            Resets++;
            Fed.Clear();
        }

        public ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens)
        {
            Fed.Add(newTokens.ToArray());
            Assert.True(Fed.Sum(f => f.Length) <= contextLength, "fed past the context");
            char last = Letter(newTokens[^1]);
            Array.Clear(_logits);
            _logits[next.TryGetValue(last, out char c) ? Id(c) : Eos] = 10f;
            return _logits;
        }
    }

    private static int Id(char c) => c == '$' ? Eos : c - 'a' + 1;

    private static char Letter(int id) => id == Eos ? '$' : (char)('a' + id - 1);

    private static TextGenerator Generator(ILogitSource model) => new(
        model,
        text => [.. text.Select(Id)],
        () => new DelegateTextStream(id => Letter(id).ToString(), () => ""),
        [Eos]);

    private static Dictionary<char, char> Chain(string path) =>
        Enumerable.Range(0, path.Length - 1).ToDictionary(i => path[i], i => path[i + 1]);

    [Fact]
    public void Stops_at_the_end_of_sequence_token_without_emitting_it()
    {
        var model = new TableModel(Chain("abc$"));
        var pieces = Generator(model).Generate("a", SamplingOptions.Greedy).ToList();
        Assert.Equal(["b", "c", ""], pieces.Select(p => p.Text));
        Assert.Equal([Id('b'), Id('c')], pieces.Where(p => p.Token is not null).Select(p => p.Token!.Value));
        GenerationPiece last = pieces[^1];
        Assert.Equal(FinishReason.EndOfSequence, last.Finish);
        Assert.Null(last.Token);
        Assert.Equal((1, 2), (last.PromptTokens, last.CompletionTokens));
        Assert.All(pieces[..^1], p => Assert.Null(p.Finish));
        // The prompt goes in once, then each generated token once; the EOS is never fed back.
        Assert.Equal([[Id('a')], [Id('b')], [Id('c')]], model.Fed);
        Assert.Equal(1, model.Resets);
    }

    [Fact]
    public void Stops_before_a_stop_string_and_never_streams_any_of_it()
    {
        var model = new TableModel(Chain("abcdefg"));
        var options = SamplingOptions.Greedy with { StopStrings = ["cde"] };
        var pieces = Generator(model).Generate("a", options).ToList();
        Assert.Equal("b", string.Concat(pieces.Select(p => p.Text)));
        Assert.All(pieces, p => Assert.DoesNotContain("c", p.Text));
        Assert.Equal(FinishReason.Stop, pieces[^1].Finish);
        Assert.Equal(4, pieces[^1].CompletionTokens); // b, c, d, e
    }

    [Fact]
    public void Stops_at_max_tokens_and_releases_held_text()
    {
        var model = new TableModel(new Dictionary<char, char> { ['a'] = 'a' });
        var options = SamplingOptions.Greedy with { MaxTokens = 5, StopStrings = ["aaaaaaa"] };
        var pieces = Generator(model).Generate("a", options).ToList();
        Assert.Equal("aaaaa", string.Concat(pieces.Select(p => p.Text)));
        Assert.Equal("aaaaa", pieces[^1].Text); // all of it was held back as a possible stop-string start
        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.Equal(5, pieces[^1].CompletionTokens);
        Assert.Equal("length", pieces[^1].Finish!.Value.ToWireName());
    }

    [Fact]
    public void Stops_when_the_context_is_full_and_refuses_a_prompt_that_fills_it()
    {
        var model = new TableModel(new Dictionary<char, char> { ['a'] = 'a', ['b'] = 'a' }, contextLength: 6);
        var pieces = Generator(model).Generate("ab", SamplingOptions.Greedy).ToList();
        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.Equal(4, pieces[^1].CompletionTokens);

        var error = Assert.Throws<LoomException>(() => Generator(model).Generate("abaaba", SamplingOptions.Greedy));
        Assert.Contains("6 tokens", error.Message);
        Assert.Throws<LoomException>(() => Generator(model).Generate("", SamplingOptions.Greedy));
        Assert.Throws<LoomException>(() => Generator(model).Generate("a", new SamplingOptions { TopP = 0 }));
    }

    [Fact]
    public void Reports_logprobs_per_token_when_asked()
    {
        var model = new TableModel(Chain("abc$"));
        var pieces = Generator(model).Generate("a", SamplingOptions.Greedy with { TopLogprobs = 2 }).ToList();
        double expected = 10 - Math.Log(Math.Exp(10) + 26);
        SampledToken first = pieces[0].Logprobs!;
        Assert.Equal(Id('b'), first.Token);
        Assert.Equal(expected, first.Logprob, 1e-5);
        Assert.Equal([Id('b'), Eos], first.TopLogprobs.Select(t => t.Token)); // then the lowest id of the zero logits
        Assert.Null(Generator(model).Generate("a", SamplingOptions.Greedy).First().Logprobs);
    }

    [Fact]
    public void Seeded_samples_are_reproducible_and_sample_indices_differ()
    {
        // A flat model: every letter equally likely after every letter, EOS never.
        var flat = new FlatModel();
        var options = new SamplingOptions { Seed = 7, MaxTokens = 30 };
        string Text(int index) => string.Concat(Generator(flat).Generate("a", options, index).Select(p => p.Text));
        Assert.Equal(Text(0), Text(0));
        Assert.Equal(30, Text(0).Length);
        Assert.NotEqual(Text(0), Text(1));
        Assert.Equal(Text(1), string.Concat(Generator(flat).Generate("a", options with { Seed = 8 }).Select(p => p.Text)));
    }

    [Fact]
    public void Cancellation_stops_the_stream()
    {
        var model = new TableModel(new Dictionary<char, char> { ['a'] = 'a' });
        using var cancel = new CancellationTokenSource();
        var pieces = Generator(model).Generate("a", SamplingOptions.Greedy, cancellationToken: cancel.Token);
        using var stream = pieces.GetEnumerator();
        Assert.True(stream.MoveNext());
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => stream.MoveNext());
    }

    private sealed class FlatModel : ILogitSource
    {
        private readonly float[] _logits = [float.NegativeInfinity, .. Enumerable.Repeat(0f, 26)];

        public int ContextLength => 1000;

        public void Reset()
        {
        }

        public ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens) => _logits;
    }
}
