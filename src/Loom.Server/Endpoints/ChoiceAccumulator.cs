using System.Text;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>
/// Collects one choice's streamed updates into what a non-streaming response reports: the text, tool calls,
/// per-token logprobs, the finish reason and token counts.
/// </summary>
public sealed class ChoiceAccumulator
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();
    public List<FunctionCallContent> ToolCalls { get; } = [];
    public List<TokenLogprob> Logprobs { get; } = [];
    public string? FinishReason { get; private set; }
    public long? PromptTokens { get; private set; }
    public long? CompletionTokens { get; private set; }

    public void Add(ChatResponseUpdate update)
    {
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextContent text: _text.Append(text.Text); break;
                case FunctionCallContent call: ToolCalls.Add(call); break;
                case UsageContent usage:
                    PromptTokens = usage.Details.InputTokenCount ?? PromptTokens;
                    CompletionTokens = usage.Details.OutputTokenCount ?? CompletionTokens;
                    break;
            }
        }
        Logprobs.AddRange(UpdateLogprobs(update));
        if (update.FinishReason is { } reason) FinishReason = reason.Value;
    }

    /// <summary>The finish reason OpenAI clients expect: tool_calls when the model called tools, stop when the engine said nothing.</summary>
    public string FinalReason => ToolCalls.Count > 0 ? "tool_calls" : FinishReason ?? "stop";

    public static IReadOnlyList<TokenLogprob> UpdateLogprobs(ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(LoomChatOptions.UpdateLogprobs, out var value) == true
            && value is IReadOnlyList<TokenLogprob> list ? list : [];

    /// <summary>
    /// Sum of the choices' completion tokens, and of the prompts' tokens counted once per prompt: consecutive runs of
    /// <paramref name="choicesPerPrompt"/> choices share one prompt (chat: all n; completions: n per prompt, as OpenAI
    /// numbers them), so several prompts add up while n samples of one prompt do not.
    /// </summary>
    public static (long Prompt, long Completion) Usage(IReadOnlyList<ChoiceAccumulator> choices, int choicesPerPrompt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(choicesPerPrompt, 1);
        long prompt = 0, completion = 0;
        for (int first = 0; first < choices.Count; first += choicesPerPrompt)
        {
            long shared = 0;
            for (int i = first; i < Math.Min(choices.Count, first + choicesPerPrompt); i++)
            {
                shared = Math.Max(shared, choices[i].PromptTokens ?? 0);
                completion += choices[i].CompletionTokens ?? 0;
            }
            prompt += shared;
        }
        return (prompt, completion);
    }
}
