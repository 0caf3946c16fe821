using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Server.Json;

/// <summary>
/// Pieces of OpenAI's response objects that several endpoints share: usage, logprobs, tool calls. Responses are
/// built as JsonObjects so every field OpenAI sends as null is written as null (clients read them).
/// </summary>
public static class OpenAiJson
{
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static JsonObject Usage(long prompt, long completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };

    /// <summary>Chat logprobs: {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}.</summary>
    public static JsonObject ChatLogprobs(IEnumerable<TokenLogprob> tokens)
    {
        var content = new JsonArray();
        foreach (var t in tokens)
        {
            var top = new JsonArray();
            foreach (var alt in t.Top)
                top.Add(new JsonObject { ["token"] = alt.Token, ["logprob"] = alt.Logprob, ["bytes"] = Bytes(alt.Bytes) });
            content.Add(new JsonObject { ["token"] = t.Token, ["logprob"] = t.Logprob, ["bytes"] = Bytes(t.Bytes), ["top_logprobs"] = top });
        }
        return new JsonObject { ["content"] = content, ["refusal"] = null };
    }

    /// <summary>Legacy completions logprobs: parallel arrays plus a {token: logprob} map per position.</summary>
    public static JsonObject CompletionLogprobs(IReadOnlyList<TokenLogprob> tokens, int textOffset)
    {
        JsonArray names = [], logprobs = [], tops = [], offsets = [];
        int offset = textOffset;
        foreach (var t in tokens)
        {
            names.Add(t.Token);
            logprobs.Add(t.Logprob);
            var top = new JsonObject();
            foreach (var alt in t.Top) top[alt.Token] = alt.Logprob;
            tops.Add(top);
            offsets.Add(offset);
            offset += t.Token.Length;
        }
        return new JsonObject { ["tokens"] = names, ["token_logprobs"] = logprobs, ["top_logprobs"] = tops, ["text_offset"] = offsets };
    }

    private static JsonArray Bytes(byte[] bytes)
    {
        var array = new JsonArray();
        foreach (byte b in bytes) array.Add(b);
        return array;
    }

    /// <summary>[{index?, id, type: "function", function: {name, arguments: "json"}}]; streaming deltas carry the index.</summary>
    public static JsonArray ToolCalls(IEnumerable<FunctionCallContent> calls, bool withIndex)
    {
        var array = new JsonArray();
        int index = 0;
        foreach (var call in calls)
        {
            var item = new JsonObject();
            if (withIndex) item["index"] = index;
            item["id"] = call.CallId;
            item["type"] = "function";
            item["function"] = new JsonObject
            {
                ["name"] = call.Name,
                ["arguments"] = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>()),
            };
            array.Add(item);
            index++;
        }
        return array;
    }
}
