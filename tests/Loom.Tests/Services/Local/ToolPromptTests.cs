using System.Text.Json;
using Loom.Services.Local;
using Loom.Text.Constraints;
using Loom.Text.Templates;
using Microsoft.Extensions.AI;
using S = Loom.Tests.Text.Templates.RealChatTemplateSources;

namespace Loom.Tests.Services.Local;

/// <summary>
/// Tools and a tool-call round trip (Microsoft.Extensions.AI messages, as the server builds them) rendered through real
/// templates; which templates can call tools and in which syntax; the schema that forces a call.
/// </summary>
public sealed class ToolPromptTests
{
    private static AIFunctionDeclaration Weather() => AIFunctionFactory.CreateDeclaration("get_weather", "Get the weather",
        JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string","enum":["Paris","Rome"]}},"required":["city"]}""").RootElement);

    private static AIFunctionDeclaration Time() => AIFunctionFactory.CreateDeclaration("get_time", null,
        JsonDocument.Parse("""{"type":"object","properties":{"zone":{"$ref":"#/$defs/zone"}},"required":["zone"],"$defs":{"zone":{"type":"string","maxLength":5}}}""").RootElement);

    private static readonly Microsoft.Extensions.AI.ChatMessage[] RoundTrip =
    [
        new(ChatRole.User, "Weather in Paris?"),
        new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather",
            new Dictionary<string, object?> { ["city"] = JsonDocument.Parse("\"Paris\"").RootElement })]),
        new(ChatRole.Tool, [new FunctionResultContent("call_1", "20 C")]),
    ];

    [Fact]
    public void Qwen25_renders_the_tools_the_call_with_mapping_arguments_and_the_tool_response()
    {
        string prompt = ChatPromptBuilder.Render(ChatTemplate.Parse(S.Qwen25), RoundTrip, [Weather()], "", "<|im_end|>");
        const string tool = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"enum\": [\"Paris\", \"Rome\"]}}, \"required\": [\"city\"]}}}";
        string expected =
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" + tool + "\n</tools>\n\n"
            + "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n20 C\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n";
        Assert.Equal(expected, prompt);
    }

    [Fact]
    public void Llama31_renders_the_call_as_json_with_parameters()
    {
        string prompt = ChatPromptBuilder.Render(ChatTemplate.Parse(S.Llama31), RoundTrip, [Weather()], "<|begin_of_text|>", "<|eot_id|>");
        Assert.Contains("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", prompt);
        Assert.Contains("\"name\": \"get_weather\"", prompt[..prompt.IndexOf("Weather in Paris?", StringComparison.Ordinal)]); // tools before the question
    }

    [Fact]
    public void MistralV03_renders_a_call_with_the_nine_character_id_its_syntax_generates()
    {
        string id = ToolCallSyntax.Mistral.NewCallId();
        Microsoft.Extensions.AI.ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent(id, "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent(id, "20 C")]),
        ];
        string prompt = ChatPromptBuilder.Render(ChatTemplate.Parse(S.MistralV03), messages, [Weather()], "<s>", "</s>");
        Assert.Contains("[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"" + id + "\"}]</s>", prompt);
        Assert.Contains("[TOOL_RESULTS] {\"content\": 20 C, \"call_id\": \"" + id + "\"}[/TOOL_RESULTS]", prompt);
        Assert.Contains("[AVAILABLE_TOOLS] [", prompt);
    }

    [Fact]
    public void A_tool_without_a_description_is_rendered_without_one()
    {
        string prompt = ChatPromptBuilder.Render(ChatTemplate.Parse(S.Qwen25), [new(ChatRole.User, "time?")], [Time()], "", "");
        Assert.Contains("{\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": ", prompt);
    }

    [Fact]
    public void Template_syntax_is_hermes_for_qwen_json_for_llama31_and_none_without_tools()
    {
        Assert.Same(ToolCallSyntax.Hermes, ToolCallSyntax.Of(ChatTemplate.Parse(S.Qwen25)));
        Assert.Same(ToolCallSyntax.BareJson, ToolCallSyntax.Of(ChatTemplate.Parse(S.Llama31)));
        Assert.Same(ToolCallSyntax.Mistral, ToolCallSyntax.Of(ChatTemplate.Parse(S.MistralV03)));
        Assert.Null(ToolCallSyntax.Of(ChatTemplate.Parse(S.Qwen2)));
        Assert.Null(ToolCallSyntax.Of(ChatTemplates.Fallback("chatml")));
        Assert.Null(ToolCallSyntax.Of(ChatTemplate.Parse("{% if tools_in_user_message %}x{% endif %}{{ messages[0].content }}")));
        Assert.Null(ToolCallSyntax.Of(null));
    }

    [Fact]
    public void The_forced_call_schema_pairs_each_name_with_its_own_arguments()
    {
        var schema = ToolChoiceConstraint.Schema([Weather(), Time()], "arguments");
        using var document = JsonDocument.Parse(schema.ToJsonString());
        var recognizer = JsonRecognizer.ForSchema(document.RootElement);
        bool Accepts(string json) => recognizer.Accepts(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(Accepts("""{"name":"get_weather","arguments":{"city":"Rome"}}"""));
        Assert.True(Accepts("""{"name":"get_time","arguments":{"zone":"CET"}}""")); // the $ref resolved after $defs moved up
        Assert.False(Accepts("""{"name":"get_time","arguments":{"city":"Rome"}}"""));
        Assert.False(Accepts("""{"name":"get_weather","arguments":{"city":"Oslo"}}"""));
        Assert.False(Accepts("""{"name":"get_other","arguments":{}}"""));
        Assert.False(Accepts("""{"name":"get_weather"}"""));
        Assert.False(Accepts("""{"name":"get_time","arguments":{"zone":"TOOLONG"}}"""));
    }
}
