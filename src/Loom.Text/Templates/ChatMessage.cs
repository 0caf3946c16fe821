namespace Loom.Text.Templates;

/// <summary>
/// One chat turn as templates see it: <c>message.role</c>, <c>message.content</c>, and, when set, the optional
/// fields tool-calling templates read (<c>tool_calls</c>, <c>name</c>, <c>tool_call_id</c>,
/// <c>reasoning_content</c>). Tool calls are plain values (dictionaries and lists) in the OpenAI shape.
/// </summary>
public sealed record ChatMessage(string Role, string Content)
{
    public IReadOnlyList<object?>? ToolCalls { get; init; }
    public string? Name { get; init; }
    public string? ToolCallId { get; init; }
    public string? ReasoningContent { get; init; }

    internal Dictionary<string, object?> ToTemplateValue()
    {
        var value = new Dictionary<string, object?> { ["role"] = Role, ["content"] = Content };
        if (ToolCalls is not null) value["tool_calls"] = TemplateValues.FromClr(ToolCalls);
        if (Name is not null) value["name"] = Name;
        if (ToolCallId is not null) value["tool_call_id"] = ToolCallId;
        if (ReasoningContent is not null) value["reasoning_content"] = ReasoningContent;
        return value;
    }
}
