using System.Text.RegularExpressions;
using Loom.Text.Templates;

namespace Loom.Services.Local;

/// <summary>
/// How a model's chat template teaches it to call tools: Hermes-style templates (Qwen 2.5/3, Hermes) wrap each call
/// in <c>&lt;tool_call&gt;</c> tags with the arguments under "arguments"; Mistral (v0.3) templates write
/// <c>[TOOL_CALLS] [{"name": …, "arguments": …, "id": …}]</c> and insist on 9-character call ids; Llama-3.1/3.2-style
/// templates ask for bare JSON with the arguments under "parameters". A template that never reads the <c>tools</c> variable has no syntax:
/// the model was not taught to call tools, so a request with tools is refused rather than answered by guesswork.
/// </summary>
internal sealed partial record ToolCallSyntax(string CallPrefix, string ArgumentsKey, Func<string> NewCallId)
{
    public static readonly ToolCallSyntax Hermes = new(ToolCallParser.OpenTag + "\n", "arguments", ToolCallParser.NewCallId);
    public static readonly ToolCallSyntax Mistral = new(ToolCallParser.MistralTag + " [", "arguments", () => ToolCallParser.NewCallId(9));
    public static readonly ToolCallSyntax BareJson = new("", "parameters", ToolCallParser.NewCallId);

    /// <summary>The syntax <paramref name="template"/> teaches, or null when it does not render tools.</summary>
    public static ToolCallSyntax? Of(ChatTemplate? template)
    {
        if (template is null || !ReadsTools().IsMatch(template.Source)) return null;
        return template.Source.Contains(ToolCallParser.OpenTag, StringComparison.Ordinal) ? Hermes
            : template.Source.Contains(ToolCallParser.MistralTag, StringComparison.Ordinal) ? Mistral
            : BareJson;
    }

    // "tools" as a variable name (not "tools_in_user_message", not inside another word).
    [GeneratedRegex(@"(?<![\w.])tools(?!\w)")]
    private static partial Regex ReadsTools();
}
