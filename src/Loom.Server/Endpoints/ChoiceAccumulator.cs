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

    /// <summary>Sum of the choices' completion tokens and the prompt tokens (the same prompt for every choice).</summary>
    public static (long Prompt, long Completion) Usage(IEnumerable<ChoiceAccumulator> choices)
    {
        long prompt = 0, completion = 0;
        foreach (var choice in choices)
        {
            prompt = Math.Max(prompt, choice.PromptTokens ?? 0);
            completion += choice.CompletionTokens ?? 0;
        }
        return (prompt, completion);
    }
}
