using Microsoft.Extensions.AI;

namespace Loom.Services.Operations;

/// <summary>Token counts of a finished call as the wrappers need them: the model's reported usage, else an estimate.</summary>
public static class ChatUsage
{
    /// <summary>
    /// Rough token count of a text before a tokenizer has seen it: one token per 4 UTF-16 chars (rounded up), the
    /// usual figure for English BPE vocabularies. Used only for the pre-request rate-limit check; the real usage
    /// replaces it once the model answers.
    /// </summary>
    public static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    public static int EstimatePrompt(IEnumerable<ChatMessage> messages) => messages.Sum(m => Estimate(m.Text) + 4);

    /// <summary>(prompt, completion) tokens from the response's usage, or estimates when the model reported none.</summary>
    public static (int Prompt, int Completion) Of(UsageDetails? usage, IEnumerable<ChatMessage> messages, string responseText) =>
        (usage?.InputTokenCount is long input ? (int)input : EstimatePrompt(messages),
         usage?.OutputTokenCount is long output ? (int)output : Estimate(responseText));

    /// <summary>The last usage a stream reported (UsageContent in an update), if any.</summary>
    public static UsageDetails? FromUpdate(ChatResponseUpdate update, UsageDetails? previous)
    {
        foreach (var content in update.Contents)
            if (content is UsageContent usage) previous = usage.Details;
        return previous;
    }
}
