using Loom.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>
/// One request's n choices while they generate: their accumulated results, and the metrics they feed (active
/// sequences while running, time to the first token, tokens generated at the end).
/// </summary>
public sealed class GenerationRun
{
    private readonly ServerMetrics _metrics;
    private readonly string _model;
    private readonly long _start;
    private readonly int _choicesPerPrompt;
    private bool _firstToken;
    private bool _finished;

    /// <param name="choicesPerPrompt">How many consecutive choices share one prompt (default: all n).</param>
    public GenerationRun(ServerMetrics metrics, string model, int n, long startTimestamp, int? choicesPerPrompt = null)
    {
        _choicesPerPrompt = choicesPerPrompt ?? Math.Max(1, n);
        _metrics = metrics;
        _model = model;
        _start = startTimestamp;
        Choices = [.. Enumerable.Range(0, n).Select(_ => new ChoiceAccumulator())];
        metrics.SequencesStarted(n);
    }

    public ChoiceAccumulator[] Choices { get; }

    public (long Prompt, long Completion) Usage => ChoiceAccumulator.Usage(Choices, _choicesPerPrompt);

    public void Add(int index, ChatResponseUpdate update)
    {
        if (!_firstToken && update.Contents.Any(c => c is TextContent { Text.Length: > 0 } or FunctionCallContent))
        {
            _firstToken = true;
            _metrics.FirstToken(_start, _model);
        }
        Choices[index].Add(update);
    }

    /// <summary>Ends the run (once): token counts to metrics and to the request's <see cref="LoomRequestFeature"/>.</summary>
    public void Finish(HttpContext context)
    {
        if (_finished) return;
        _finished = true;
        _metrics.SequencesEnded(Choices.Length);
        var (prompt, completion) = Usage;
        _metrics.TokensGenerated(completion, _model);
        if (context.Features.Get<LoomRequestFeature>() is { } feature)
        {
            feature.PromptTokens = prompt;
            feature.CompletionTokens = completion;
        }
    }
}
