using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>What a model's reply holds once its tool calls are taken out: the remaining text and the calls.</summary>
public sealed record ParsedToolCalls(string Text, IReadOnlyList<FunctionCallContent> Calls);

/// <summary>
/// Finds the tool calls in a model's reply, in the two syntaxes open-weight chat templates teach: Hermes-style
/// <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c> blocks (Qwen 2.5/3, Hermes; one or several,
/// the last may lack its closing tag when generation stopped there) and Llama-3-style bare JSON
/// <c>{"name": …, "parameters": {…}}</c> (or "arguments"; one object or an array of them) as the whole reply, also
/// after Llama's <c>&lt;|python_tag|&gt;</c> or Mistral's <c>[TOOL_CALLS]</c>.
/// </summary>
/// <remarks>A block that is not valid JSON, or names a tool the request did not offer, stays text: a model that
/// merely talks about a call has not made one.</remarks>
public static class ToolCallParser
{
    public const string OpenTag = "<tool_call>", CloseTag = "</tool_call>", MistralTag = "[TOOL_CALLS]";

    // Llama 3.1 may start a call with this tag (when it survives detokenization).
    private const string PythonTag = "<|python_tag|>";

    /// <summary>The calls in <paramref name="text"/> to tools named in <paramref name="toolNames"/>, each given an id
    /// from <paramref name="newCallId"/> (default <see cref="NewCallId()"/>).</summary>
    public static ParsedToolCalls Parse(string text, IReadOnlyCollection<string> toolNames, Func<string>? newCallId = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(toolNames);
        var ids = newCallId ?? NewCallId;
        return text.Contains(OpenTag, StringComparison.Ordinal) ? ParseTagged(text, toolNames, ids) : ParseBare(text, toolNames, ids);
    }

    /// <summary>A fresh call id in OpenAI's shape: "call_" and 24 random letters and digits.</summary>
    public static string NewCallId() => "call_" + NewCallId(24);

    /// <summary><paramref name="length"/> random letters and digits (Mistral's templates require exactly 9).</summary>
    public static string NewCallId(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);

    private static ParsedToolCalls ParseTagged(string text, IReadOnlyCollection<string> toolNames, Func<string> ids)
    {
        var outside = new StringBuilder();
        var calls = new List<FunctionCallContent>();
        int at = 0;
        while (at < text.Length)
        {
            int open = text.IndexOf(OpenTag, at, StringComparison.Ordinal);
            if (open < 0)
            {
                outside.Append(text, at, text.Length - at);
                break;
            }
            outside.Append(text, at, open - at);
            int bodyStart = open + OpenTag.Length;
            int close = text.IndexOf(CloseTag, bodyStart, StringComparison.Ordinal);
            int bodyEnd = close < 0 ? text.Length : close;
            int next = close < 0 ? text.Length : close + CloseTag.Length;
            if (TryCall(text[bodyStart..bodyEnd], toolNames, ids) is { } call) calls.Add(call);
            else outside.Append(text, open, next - open);
            at = next;
        }
        return new ParsedToolCalls(calls.Count > 0 ? outside.ToString().Trim() : text, calls);
    }

    private static ParsedToolCalls ParseBare(string text, IReadOnlyCollection<string> toolNames, Func<string> ids)
    {
        string body = text.Trim();
        foreach (string tag in (string[])[PythonTag, MistralTag])
            if (body.StartsWith(tag, StringComparison.Ordinal)) body = body[tag.Length..].TrimStart();
        if (body.Length == 0 || (body[0] != '{' && body[0] != '[')) return new ParsedToolCalls(text, []);
        if (body[0] == '{') return TryCall(body, toolNames, ids) is { } call ? new ParsedToolCalls("", [call]) : new ParsedToolCalls(text, []);
        if (ParseJson(body) is not { ValueKind: JsonValueKind.Array } array) return new ParsedToolCalls(text, []);
        var calls = new List<FunctionCallContent>();
        foreach (var item in array.EnumerateArray())
        {
            if (CallFrom(item, toolNames, ids) is not { } call) return new ParsedToolCalls(text, []);
            calls.Add(call);
        }
        return calls.Count == 0 ? new ParsedToolCalls(text, []) : new ParsedToolCalls("", calls);
    }

    private static FunctionCallContent? TryCall(string json, IReadOnlyCollection<string> toolNames, Func<string> ids) =>
        ParseJson(json.Trim()) is { } element ? CallFrom(element, toolNames, ids) : null;

    private static FunctionCallContent? CallFrom(JsonElement element, IReadOnlyCollection<string> toolNames, Func<string> ids)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        if (!element.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String) return null;
        string tool = name.GetString()!;
        if (!toolNames.Contains(tool)) return null;
        JsonElement? arguments = element.TryGetProperty("arguments", out var a) ? a
            : element.TryGetProperty("parameters", out var p) ? p
            : null;
        // Some models write the arguments as a JSON string, as OpenAI's wire format does.
        if (arguments is { ValueKind: JsonValueKind.String } encoded) arguments = ParseJson(encoded.GetString()!);
        if (arguments is { } args && args.ValueKind != JsonValueKind.Object) return null;
        var values = arguments?.EnumerateObject().ToDictionary(x => x.Name, x => (object?)x.Value.Clone()) ?? [];
        return new FunctionCallContent(ids(), tool, values);
    }

    private static JsonElement? ParseJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
