using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Text.Constraints;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// tool_choice "required" or a named function, enforced by constrained decoding: the reply must be one call
/// object {"name": one of the tools, "&lt;arguments key&gt;": that tool's parameters schema} (an anyOf over the tools,
/// so the arguments always match the named tool). The template's call prefix (Hermes' <c>&lt;tool_call&gt;\n</c>) is
/// forced by appending it to the prompt, so only the JSON is generated; generation stops when the object closes.
/// </summary>
internal static class ToolChoiceConstraint
{
    public static ITokenConstraint Create(IReadOnlyList<AIFunctionDeclaration> tools, ToolCallSyntax syntax, ServedVocabulary vocabulary)
    {
        var schema = Schema(tools, syntax.ArgumentsKey);
        using var document = JsonDocument.Parse(schema.ToJsonString());
        var recognizer = JsonRecognizer.ForSchema(document.RootElement);
        return new JsonTokenConstraint(recognizer, vocabulary.Size, vocabulary.TokenBytes, vocabulary.EndOfGeneration);
    }

    /// <summary>The JSON schema of one call to any of <paramref name="tools"/>.</summary>
    public static JsonObject Schema(IReadOnlyList<AIFunctionDeclaration> tools, string argumentsKey)
    {
        var defs = new Dictionary<string, JsonObject>();
        var alternatives = new List<JsonObject>();
        foreach (var tool in tools)
        {
            var parameters = JsonNode.Parse(tool.JsonSchema.GetRawText())!.AsObject();
            // Local "#/$defs/x" references resolve against the root, so each tool's definitions move up there.
            foreach (string key in (string[])["$defs", "definitions"])
            {
                if (parameters[key] is not JsonObject own) continue;
                parameters.Remove(key);
                if (!defs.TryGetValue(key, out var shared)) defs[key] = shared = [];
                foreach (var (name, value) in own.ToList())
                {
                    own.Remove(name);
                    shared[name] = value;
                }
            }
            alternatives.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["name"] = new JsonObject { ["const"] = tool.Name },
                    [argumentsKey] = parameters,
                },
                ["required"] = new JsonArray("name", argumentsKey),
                ["additionalProperties"] = false,
            });
        }
        var schema = alternatives.Count == 1 ? alternatives[0] : new JsonObject { ["anyOf"] = new JsonArray([.. alternatives]) };
        foreach (var (key, value) in defs) schema[key] = value;
        return schema;
    }
}
