using System.Text;
using System.Threading.Channels;
using Loom.Inference.Batching;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;
using TokenLogprob = Loom.Services.Models.TokenLogprob;

namespace Loom.Services.Local;

/// <summary>
/// One generation as a step-driven state machine: given each step's logits it masks them with the request's
/// constraint, samples (seeded chain: bias → penalties → top-k → top-p → temperature → pick), detokenizes, holds back
/// text that may begin a stop string, and writes <see cref="ChatResponseUpdate"/>s to a channel the caller reads.
/// The batch scheduler (GGUF) and the serial runner (Loom transformer-lm) both drive it.
/// </summary>
internal sealed class SequenceStream : IBatchSequence
{
    private readonly TextModelParts _model;
    private readonly GenerationSettings _settings;
    private readonly SamplerChain _chain;
    private readonly ITokenTextStream _decoder;
    private readonly StopStringMatcher _stops;
    private readonly ITokenConstraint? _constraint;
    private readonly Channel<ChatResponseUpdate> _channel = Channel.CreateUnbounded<ChatResponseUpdate>(new() { SingleReader = true, SingleWriter = true });
    private readonly string _responseId = "loom-" + Guid.NewGuid().ToString("N");
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private float[] _masked = [], _scratch = [];
    private int _completion;
    private ChatFinishReason _finish = ChatFinishReason.Length;

    public SequenceStream(TextModelParts model, int[] prompt, GenerationSettings settings, ITokenConstraint? constraint, CancellationToken cancellation)
    {
        _model = model;
        Prompt = prompt;
        _settings = settings;
        _chain = new SamplerChain(settings.Sampling);
        _decoder = model.CreateTextStream();
        _stops = new StopStringMatcher(settings.Sampling.StopStrings ?? []);
        _constraint = constraint;
        Cancellation = cancellation;
    }

    public IReadOnlyList<int> Prompt { get; }

    public CancellationToken Cancellation { get; }

    public ChannelReader<ChatResponseUpdate> Updates => _channel.Reader;

    public int Next(ReadOnlySpan<float> logits, bool contextFull)
    {
        ReadOnlySpan<float> choose = logits;
        if (_constraint is not null)
        {
            if (_masked.Length != logits.Length) _masked = new float[logits.Length];
            logits.CopyTo(_masked);
            _constraint.Mask(_masked);
            choose = _masked;
        }
        int token;
        SampledToken? sampled = null;
        if (_settings.TopLogprobs is { } top)
        {
            // Chosen from the constrained logits, reported from the model's own (see ITokenConstraint).
            token = _chain.Sample(choose);
            sampled = Describe(logits, token, top);
        }
        else
        {
            token = _chain.Sample(choose);
        }
        if (_model.EndOfGeneration.Contains(token))
        {
            _finish = ChatFinishReason.Stop;
            return -1;
        }
        _chain.Accept(token);
        _constraint?.Accept(token);
        _completion++;
        StopMatch match = _stops.Push(_decoder.Push(token));
        if (match.Text.Length > 0 || sampled is not null) Write(match.Text, sampled);
        if (match.Stopped || _constraint?.IsComplete == true)
        {
            _finish = ChatFinishReason.Stop;
            return -1;
        }
        if (_completion >= _settings.MaxTokens || contextFull)
        {
            _finish = ChatFinishReason.Length;
            return -1;
        }
        return token;
    }

    public void Completed(Exception? error)
    {
        if (error is not null)
        {
            _channel.Writer.TryComplete(error);
            return;
        }
        // Held-back bytes may still complete a stop string; otherwise the matcher releases its tail.
        StopMatch tail = _stops.Push(_decoder.Flush());
        string text = tail.Stopped ? tail.Text : tail.Text + _stops.Flush();
        if (tail.Stopped) _finish = ChatFinishReason.Stop;
        var final = NewUpdate(text);
        final.FinishReason = _finish;
        final.Contents.Add(new UsageContent(new UsageDetails
        {
            InputTokenCount = Prompt.Count,
            OutputTokenCount = _completion,
            TotalTokenCount = Prompt.Count + _completion,
        }));
        _channel.Writer.TryWrite(final);
        _channel.Writer.TryComplete();
    }

    private void Write(string text, SampledToken? sampled)
    {
        var update = NewUpdate(text);
        if (sampled is not null)
        {
            update.AdditionalProperties ??= [];
            update.AdditionalProperties[LoomChatOptions.UpdateLogprobs] = new[] { ToApi(sampled) };
        }
        _channel.Writer.TryWrite(update);
    }

    private ChatResponseUpdate NewUpdate(string text)
    {
        var update = new ChatResponseUpdate(ChatRole.Assistant, text.Length > 0 ? text : null)
        {
            ResponseId = _responseId,
            MessageId = _responseId,
            ModelId = _model.Id,
            CreatedAt = _created,
        };
        update.AdditionalProperties = new AdditionalPropertiesDictionary
        {
            [LoomChatOptions.UpdatePromptTokens] = Prompt.Count,
        };
        return update;
    }

    private SampledToken Describe(ReadOnlySpan<float> logits, int token, int top)
    {
        double logSumExp = Logprobs.LogSumExp(logits, ref _scratch);
        var best = new Text.Sampling.TokenLogprob[Math.Min(top, logits.Length)];
        Logprobs.Top(logits, logSumExp, best);
        return new SampledToken(token, (float)(logits[token] - logSumExp), best);
    }

    private TokenLogprob ToApi(SampledToken sampled)
    {
        byte[] bytes = _model.TokenBytes(sampled.Token);
        var top = sampled.TopLogprobs.Select(t =>
        {
            byte[] b = _model.TokenBytes(t.Token);
            return new TokenAlternative(Encoding.UTF8.GetString(b), t.Logprob, b);
        }).ToArray();
        return new TokenLogprob(Encoding.UTF8.GetString(bytes), sampled.Logprob, bytes, top);
    }
}
