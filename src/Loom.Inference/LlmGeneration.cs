using Loom.Core;
using Loom.Text.Sampling;
using Loom.Text.Tokenizers;

namespace Loom.Inference;

/// <summary>Generation helpers over an <see cref="LlmModel"/>: plain greedy decoding (llama.cpp's <c>--temp 0</c>)
/// and a <see cref="TextGenerator"/> wired to the model's tokenizer for sampled, streamed text.</summary>
public static class LlmGeneration
{
    /// <summary>
    /// Feeds <paramref name="prompt"/> (after <see cref="ILogitSource.Reset"/>) and appends the highest-logit token
    /// (lowest id on ties) up to <paramref name="maxTokens"/> times, stopping after a token for which
    /// <paramref name="isEndOfGeneration"/> is true (that token is the last id returned, as llama.cpp reports).
    /// Throws before doing anything when the prompt plus the generation would not fit in the context.
    /// </summary>
    public static int[] Greedy(ILogitSource source, ReadOnlySpan<int> prompt, int maxTokens, Func<int, bool>? isEndOfGeneration = null)
    {
        if (maxTokens < 0) throw LoomException.Argument($"greedy: maxTokens must be non-negative, found {maxTokens}");
        if (prompt.IsEmpty) throw LoomException.Argument("greedy: the prompt has no tokens; a model needs at least one to start from");
        // The last generated token is never fed back, so prompt + maxTokens − 1 positions are used.
        if ((long)prompt.Length + Math.Max(maxTokens - 1, 0) > source.ContextLength)
        {
            throw LoomException.Argument(
                $"greedy: a {prompt.Length}-token prompt and {maxTokens} new tokens need {prompt.Length + maxTokens - 1} positions, but the context holds {source.ContextLength}");
        }
        source.Reset();
        var output = new int[maxTokens];
        if (maxTokens == 0) return output;
        int count = 0;
        int next = ArgMax(source.Forward(prompt));
        while (true)
        {
            output[count++] = next;
            if (count == maxTokens || isEndOfGeneration?.Invoke(next) == true) break;
            next = ArgMax(source.Forward([next]));
        }
        return output[..count];
    }

    /// <summary>The index of the largest value, the first one on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw LoomException.Argument("argmax: no logits");
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    /// <summary>A sampling/streaming generator over <paramref name="session"/> (a new one from the model when null):
    /// prompts are tokenized as llama.cpp's completion does (BOS when the vocabulary asks for it, special-token text
    /// parsed), pieces stream as complete UTF-8 text, and generation ends at any end-of-generation token.</summary>
    public static TextGenerator CreateGenerator(LlmModel model, ILogitSource? session = null)
    {
        var tokenizer = model.Tokenizer;
        return new TextGenerator(
            session ?? model.CreateSession(),
            text => tokenizer.Tokenize(text, addSpecial: true, parseSpecial: true),
            () =>
            {
                var decoder = new StreamingDecoder(tokenizer);
                return new DelegateTextStream(decoder.Push, decoder.Flush);
            },
            tokenizer.Vocabulary.EndOfGeneration);
    }
}
