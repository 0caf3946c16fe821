using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>
/// The autoregressive loop shared by the LM CLI, the GGUF engine and the server: encode the prompt, feed it to the
/// model, then sample, stream and feed back one token at a time until an end-of-sequence token, a stop string,
/// MaxTokens or the end of the model's context. It knows tokenizers only through the delegates it is given.
/// </summary>
/// <remarks>Prompt tokens are accepted into the penalty history, as llama.cpp does, so repeating the prompt is
/// penalised too (within <see cref="SamplingOptions.PenaltyLastN"/>). A prompt that does not leave room for one new
/// token within the context is an error: Loom never truncates a prompt silently.</remarks>
public sealed class TextGenerator
{
    private readonly ILogitSource _model;
    private readonly Func<string, int[]> _encode;
    private readonly Func<ITokenTextStream> _createDecoder;
    private readonly HashSet<int> _endOfSequence;

    /// <param name="model">Gives next-token logits.</param>
    /// <param name="encode">Prompt text to token ids (adding BOS if the model wants one).</param>
    /// <param name="createDecoder">A fresh streaming decoder per generation.</param>
    /// <param name="endOfSequenceIds">Tokens that end a generation (EOS, end-of-turn, …).</param>
    public TextGenerator(ILogitSource model, Func<string, int[]> encode, Func<ITokenTextStream> createDecoder,
        IEnumerable<int> endOfSequenceIds)
    {
        _model = model;
        _encode = encode;
        _createDecoder = createDecoder;
        _endOfSequence = [.. endOfSequenceIds];
    }

    /// <summary>Streams the continuation of <paramref name="prompt"/>; see <see cref="GenerationPiece"/>.</summary>
    /// <param name="sampleIndex">Which of n samples this is: its random stream starts at Seed + sampleIndex.</param>
    public IEnumerable<GenerationPiece> Generate(string prompt, SamplingOptions options, int sampleIndex = 0,
        CancellationToken cancellationToken = default) =>
        Generate(_encode(prompt), options, sampleIndex, cancellationToken);

    /// <summary>Streams the continuation of already-encoded <paramref name="promptTokens"/>.</summary>
    public IEnumerable<GenerationPiece> Generate(IReadOnlyList<int> promptTokens, SamplingOptions options,
        int sampleIndex = 0, CancellationToken cancellationToken = default)
    {
        // Checked here, not inside the iterator, so a bad request fails when it is made rather than on first read.
        options.Validate();
        if (promptTokens.Count == 0)
            throw LoomException.Argument("TextGenerator: the prompt has no tokens; a model needs at least one (e.g. a BOS token) to start from");
        if (promptTokens.Count >= _model.ContextLength)
        {
            throw LoomException.Argument(
                $"TextGenerator: the prompt has {promptTokens.Count} tokens but the model's context holds {_model.ContextLength}, leaving no room to generate; shorten the prompt");
        }
        var chain = new SamplerChain(options).Fork(sampleIndex);
        return Run([.. promptTokens], options, chain, cancellationToken);
    }

    private IEnumerable<GenerationPiece> Run(int[] prompt, SamplingOptions options, SamplerChain chain,
        CancellationToken cancellationToken)
    {
        foreach (int token in prompt) chain.Accept(token);
        ITokenTextStream decoder = _createDecoder();
        var stops = new StopStringMatcher(options.StopStrings ?? []);
        int limit = Math.Min(options.MaxTokens ?? int.MaxValue, _model.ContextLength - prompt.Length);
        int[] fed = prompt;
        int[] next = new int[1];
        int completion = 0;
        FinishReason finish;
        _model.Reset();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SampledToken? logprobs = Next(chain, _model.Forward(fed), options.TopLogprobs, out int token);
            if (_endOfSequence.Contains(token))
            {
                finish = FinishReason.EndOfSequence;
                break;
            }
            chain.Accept(token);
            completion++;
            StopMatch match = stops.Push(decoder.Push(token));
            yield return new GenerationPiece(match.Text, token, logprobs, null, prompt.Length, completion);
            if (match.Stopped)
            {
                yield return new GenerationPiece("", null, null, FinishReason.Stop, prompt.Length, completion);
                yield break;
            }
            if (completion >= limit)
            {
                finish = FinishReason.Length;
                break;
            }
            next[0] = token;
            fed = next;
        }
        // The decoder's held-back bytes may still complete a stop string; otherwise the matcher releases its tail.
        StopMatch tail = stops.Push(decoder.Flush());
        string text = tail.Stopped ? tail.Text : tail.Text + stops.Flush();
        yield return new GenerationPiece(text, null, null, tail.Stopped ? FinishReason.Stop : finish, prompt.Length, completion);
    }

    // Outside the iterator, so the logits span never lives across a yield.
    private static SampledToken? Next(SamplerChain chain, ReadOnlySpan<float> logits, int? topLogprobs, out int token)
    {
        if (topLogprobs is not { } top)
        {
            token = chain.Sample(logits);
            return null;
        }
        SampledToken sampled = chain.SampleWithLogprobs(logits, top);
        token = sampled.Token;
        return sampled;
    }
}
