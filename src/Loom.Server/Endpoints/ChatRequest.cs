using System.Text;
using System.Text.Json;
using Loom.Server.Errors;
using Loom.Server.Json;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>
/// A /v1/chat/completions body: the messages as Microsoft.Extensions.AI <see cref="ChatMessage"/>s (roles system,
/// developer, user, assistant with tool_calls, tool with tool_call_id; content as a string or text parts) plus the
/// sampling fields, response_format and tools, which travel to the model in <see cref="ChatOptions"/>.
/// </summary>
public sealed record ChatRequest(SamplingRequest Sampling, IReadOnlyList<ChatMessage> Messages,
    ChatResponseFormat? ResponseFormat, IList<AITool>? Tools, ChatToolMode? ToolMode, bool? ParallelToolCalls = null)
{
    public static ChatRequest Read(JsonFields body, int maxChoices)
    {
        var sampling = SamplingRequest.Read(body, maxChoices);
        bool logprobs = body.Bool("logprobs") ?? false;
        long? top = body.Integer("top_logprobs", 0, 20);
        if (top is not null && !logprobs)
            throw ApiException.BadRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        var messages = ReadMessages(body);
        var tools = ReadTools(body);
        return new ChatRequest(sampling with { Logprobs = logprobs, TopLogprobs = (int)(top ?? 0) }, messages,
            ReadResponseFormat(body), tools, ReadToolChoice(body, tools), body.Bool("parallel_tool_calls"));
    }

    public ChatOptions ToChatOptions(int choice)
    {
        var options = Sampling.ToChatOptions(choice);
        options.ResponseFormat = ResponseFormat;
        options.Tools = Tools;
        options.ToolMode = ToolMode;
        // Accepted as OpenAI defines it; a forced call (required / named) is always a single call.
        options.AllowMultipleToolCalls = ParallelToolCalls;
        return options;
    }

    /// <summary>All message text, for the server's early prompt-length check (the template only adds tokens).</summary>
    public string AllText() => string.Join("\n", Messages.Select(m => m.Text));

    private static List<ChatMessage> ReadMessages(JsonFields body)
    {
        var array = body.Array("messages") ?? throw ApiException.Missing("messages");
        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
            messages.Add(ReadMessage(new JsonFields(item, $"messages[{i++}]")));
        if (messages.Count == 0)
            throw ApiException.BadRequest("'messages' must contain at least one message.", "messages", "empty_array");
        return messages;
    }

    private static ChatMessage ReadMessage(JsonFields message)
    {
        string role = message.RequiredString("role");
        string? text = ReadContent(message, required: role is not "assistant");
        var contents = new List<AIContent>();
        switch (role)
        {
            case "system" or "developer" or "user":
                contents.Add(new TextContent(text));
                break;
            case "assistant":
                if (text is not null) contents.Add(new TextContent(text));
                contents.AddRange(ReadToolCalls(message));
                if (contents.Count == 0)
                    throw ApiException.BadRequest($"'{message.PathOf("content")}' is required unless 'tool_calls' is given.", message.PathOf("content"));
                break;
            case "tool":
                contents.Add(new FunctionResultContent(message.RequiredString("tool_call_id"), text));
                break;
            default:
                throw ApiException.OutOfRange(message.PathOf("role"), "one of 'system', 'developer', 'user', 'assistant', 'tool'", $"'{role}'");
        }
        var chatRole = role switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            _ => ChatRole.Tool,
        };
        return new ChatMessage(chatRole, contents) { AuthorName = message.String("name") };
    }

    /// <summary>A string, or an array of parts of which only "text" parts are supported (Loom's text models see no images).</summary>
    private static string? ReadContent(JsonFields message, bool required)
    {
        string param = message.PathOf("content");
        if (message.Get("content") is not { } content)
            return required ? throw ApiException.Missing(param) : null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array)
            throw ApiException.WrongType(param, "a string or an array of content parts", JsonFields.Describe(content));
        var text = new StringBuilder();
        int j = 0;
        foreach (var partElement in content.EnumerateArray())
        {
            var part = new JsonFields(partElement, $"{param}[{j++}]");
            string type = part.RequiredString("type");
            if (type != "text")
                throw ApiException.BadRequest($"Content part type '{type}' is not supported by Loom's text models; only 'text' parts are.",
                    part.PathOf("type"), "unsupported_content_type");
            text.Append(part.RequiredString("text"));
        }
        return text.ToString();
    }

    private static IEnumerable<AIContent> ReadToolCalls(JsonFields message)
    {
        if (message.Array("tool_calls") is not { } calls) yield break;
        int k = 0;
        foreach (var callElement in calls.EnumerateArray())
        {
            var call = new JsonFields(callElement, $"{message.PathOf("tool_calls")}[{k++}]");
            var function = call.Object("function") ?? throw ApiException.Missing(call.PathOf("function"));
            string arguments = function.String("arguments") ?? "{}";
            Dictionary<string, object?>? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments)?
                    .ToDictionary(p => p.Key, p => (object?)p.Value);
            }
            catch (JsonException)
            {
                throw ApiException.BadRequest("Tool call arguments must be a JSON object encoded as a string.", function.PathOf("arguments"));
            }
            yield return new FunctionCallContent(call.RequiredString("id"), function.RequiredString("name"), parsed);
        }
    }

    private static ChatResponseFormat? ReadResponseFormat(JsonFields body)
    {
        if (body.Object("response_format") is not { } format) return null;
        string type = format.RequiredString("type");
        switch (type)
        {
            case "text": return ChatResponseFormat.Text;
            case "json_object": return ChatResponseFormat.Json;
            case "json_schema":
                var schema = format.Object("json_schema") ?? throw ApiException.Missing("response_format.json_schema");
                string name = schema.RequiredString("name");
                var schemaElement = schema.Get("schema") ?? JsonDocument.Parse("{}").RootElement;
                if (schemaElement.ValueKind != JsonValueKind.Object)
                    throw ApiException.WrongType("response_format.json_schema.schema", "an object", JsonFields.Describe(schemaElement));
                schema.Bool("strict");
                return ChatResponseFormat.ForJsonSchema(schemaElement.Clone(), name, schema.String("description"));
            default:
                throw ApiException.OutOfRange("response_format.type", "one of 'text', 'json_object', 'json_schema'", $"'{type}'");
        }
    }

    private static List<AITool>? ReadTools(JsonFields body)
    {
        if (body.Array("tools") is not { } array) return null;
        var tools = new List<AITool>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var tool = new JsonFields(item, $"tools[{i++}]");
            string type = tool.RequiredString("type");
            if (type != "function")
                throw ApiException.OutOfRange(tool.PathOf("type"), "'function'", $"'{type}'");
            var function = tool.Object("function") ?? throw ApiException.Missing(tool.PathOf("function"));
            var parameters = function.Get("parameters") ?? JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;
            if (parameters.ValueKind != JsonValueKind.Object)
                throw ApiException.WrongType(function.PathOf("parameters"), "an object", JsonFields.Describe(parameters));
            tools.Add(AIFunctionFactory.CreateDeclaration(function.RequiredString("name"), function.String("description"), parameters.Clone()));
        }
        return tools.Count == 0 ? null : tools;
    }

    private static ChatToolMode? ReadToolChoice(JsonFields body, List<AITool>? tools)
    {
        if (body.Get("tool_choice") is not { } choice) return null;
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" when tools is null => throw ApiException.BadRequest("'tool_choice' is 'required' but the request has no 'tools'.", "tool_choice"),
                "required" => ChatToolMode.RequireAny,
                var other => throw ApiException.OutOfRange("tool_choice", "'none', 'auto', 'required' or a function object", $"'{other}'"),
            };
        }
        var named = new JsonFields(choice, "tool_choice");
        var function = named.Object("function") ?? throw ApiException.Missing("tool_choice.function");
        string name = function.RequiredString("name");
        if (tools is null || !tools.Any(t => t.Name == name))
            throw ApiException.BadRequest($"'tool_choice' names function '{name}', which is not in 'tools'.", "tool_choice.function.name");
        return ChatToolMode.RequireSpecific(name);
    }
}
