using System.Text.Json;
using Loom.Text.Templates;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using TemplateMessage = Loom.Text.Templates.ChatMessage;

namespace Loom.Services.Local;

/// <summary>
/// Renders a conversation with a chat template: messages become the template's {role, content} (tool calls and tool
/// results included), the request's tools are passed as <c>tools</c> (OpenAI's {type: function, function: {name,
/// description, parameters}}), bos_token / eos_token are the model's, and the generation prompt is added.
/// </summary>
internal static class ChatPromptBuilder
{
    public static string Render(ChatTemplate template, IReadOnlyList<AiChatMessage> messages, IReadOnlyList<AIFunctionDeclaration>? tools,
        string bosToken, string eosToken)
    {
        var extra = new Dictionary<string, object?> { ["bos_token"] = bosToken, ["eos_token"] = eosToken };
        if (tools is { Count: > 0 }) extra["tools"] = tools.Select(ToolValue).ToList();
        return template.Render([.. messages.Select(ToTemplate)], addGenerationPrompt: true, extra);
    }

    private static TemplateMessage ToTemplate(AiChatMessage message)
    {
        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        var result = message.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        string content = result is not null ? ResultText(result.Result) : message.Text;
        return new TemplateMessage(message.Role.Value, content)
        {
            ToolCalls = calls.Count == 0 ? null : calls.Select(c => (object?)new Dictionary<string, object?>
            {
                ["id"] = c.CallId,
                ["type"] = "function",
                ["function"] = new Dictionary<string, object?>
                {
                    ["name"] = c.Name,
                    ["arguments"] = c.Arguments?.ToDictionary(p => p.Key, p => Plain(p.Value)) ?? [],
                },
            }).ToList(),
            ToolCallId = result?.CallId,
            Name = message.AuthorName,
        };
    }

    // The request's own shape: a tool sent without a description is rendered without one (not "description": null).
    private static object? ToolValue(AIFunctionDeclaration tool)
    {
        var function = new Dictionary<string, object?> { ["name"] = tool.Name };
        if (!string.IsNullOrEmpty(tool.Description)) function["description"] = tool.Description;
        function["parameters"] = FromJson(tool.JsonSchema);
        return new Dictionary<string, object?> { ["type"] = "function", ["function"] = function };
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText(),
        _ => JsonSerializer.Serialize(result),
    };

    private static object? Plain(object? value) => value is JsonElement e ? FromJson(e) : value;

    // JSON to the plain CLR values the template engine takes (dictionaries, lists, strings, numbers, bools).
    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
