using System.Text.Json;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Text.Templates;
using static Loom.Tests.Text.Templates.TemplateTestHelpers;
using S = Loom.Tests.Text.Templates.RealChatTemplateSources;

namespace Loom.Tests.Text.Templates;

/// <summary>
/// Real model templates rendered on multi-turn conversations, compared with the prompt layout each model family
/// documents (the expected strings are written out by hand, turn by turn).
/// </summary>
public sealed class RealChatTemplateTests
{
    private static readonly ChatMessage[] Conversation = { Sys("You are terse."), User(" Hi "), Assistant("Hello!"), User("Bye") };
    private static readonly ChatMessage[] NoSystem = { User("Hi"), Assistant("Hello!"), User("Bye") };

    private static Dictionary<string, object?> WeatherTool(string description = "Get the weather") => new()
    {
        ["type"] = "function",
        ["function"] = new Dictionary<string, object?>
        {
            ["name"] = "get_weather",
            ["description"] = description,
            ["parameters"] = new Dictionary<string, object?> { ["type"] = "object" },
        },
    };

    private static Dictionary<string, object?> WeatherCall(string? id = null)
    {
        var call = new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?>
            {
                ["name"] = "get_weather",
                ["arguments"] = new Dictionary<string, object?> { ["city"] = "Paris" },
            },
        };
        if (id is not null) call["id"] = id;
        return call;
    }

    private const string L3Bos = "<|begin_of_text|>";
    private static string L3Turn(string role, string content) => $"<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>";
    private const string L3Prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";

    [Fact]
    public void Llama3()
    {
        var template = ChatTemplate.Parse(S.Llama3);
        var extra = Tokens(L3Bos, "<|eot_id|>");
        var history = L3Bos + L3Turn("system", "You are terse.") + L3Turn("user", "Hi") + L3Turn("assistant", "Hello!") + L3Turn("user", "Bye");
        Assert.Equal(history + L3Prompt, template.Render(Conversation, true, extra));
        Assert.Equal(history, template.Render(Conversation, false, extra));
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", template.Render(new[] { User("Hi") }, false, extra));
    }

    [Fact]
    public void Llama31WithoutTools()
    {
        var template = ChatTemplate.Parse(S.Llama31);
        var system = L3Turn("system", "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are terse.");
        Assert.Equal(L3Bos + system + L3Turn("user", "Hi") + L3Turn("assistant", "Hello!") + L3Turn("user", "Bye") + L3Prompt,
            template.Render(Conversation, true, Tokens(L3Bos, "<|eot_id|>")));
        // Without a system message the header still carries the dates; date_string overrides the default.
        Assert.Equal(L3Bos + L3Turn("system", "Cutting Knowledge Date: December 2023\nToday Date: 07 Mar 2026\n\n") + L3Turn("user", "Hi") + L3Prompt,
            template.Render(new[] { User("Hi") }, true, Tokens(L3Bos, "<|eot_id|>", ("date_string", "07 Mar 2026"))));
    }

    [Fact]
    public void Llama31WithToolsInTheFirstUserMessageAndToolCalls()
    {
        var template = ChatTemplate.Parse(S.Llama31);
        var messages = new[]
        {
            User("Weather in Paris?"),
            new ChatMessage("assistant", "") { ToolCalls = new object?[] { WeatherCall() } },
            new ChatMessage("tool", "20 C"),
        };
        var extra = Tokens(L3Bos, "<|eot_id|>", ("tools", new List<object?> { WeatherTool() }));
        const string toolJson = """
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Get the weather",
                    "parameters": {
                        "type": "object"
                    }
                }
            }
            """;
        var expected = L3Bos
            + L3Turn("system", "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n")
            + L3Turn("user", "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
                + toolJson + "\n\nWeather in Paris?")
            + L3Turn("assistant", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")
            // A string result is 'iterable' to Jinja, so this template JSON-quotes it — a real quirk, kept.
            + L3Turn("ipython", "\"20 C\"")
            + L3Prompt;
        Assert.Equal(expected, template.Render(messages, true, extra));
    }

    private static string ImTurn(string role, string content) => $"<|im_start|>{role}\n{content}<|im_end|>\n";
    private const string ImPrompt = "<|im_start|>assistant\n";

    [Fact]
    public void Qwen2()
    {
        var template = ChatTemplate.Parse(S.Qwen2);
        Assert.Equal(ImTurn("system", "You are a helpful assistant.") + ImTurn("user", "Hi") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye") + ImPrompt,
            template.Render(NoSystem, true));
        Assert.Equal(ImTurn("system", "You are terse.") + ImTurn("user", " Hi ") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye"),
            template.Render(Conversation, false));
    }

    [Fact]
    public void Qwen25()
    {
        var template = ChatTemplate.Parse(S.Qwen25);
        Assert.Equal(ImTurn("system", "You are terse.") + ImTurn("user", " Hi ") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye") + ImPrompt,
            template.Render(Conversation, true));
        Assert.Equal(ImTurn("system", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.") + ImTurn("user", "Hi") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye"),
            template.Render(NoSystem, false));
    }

    [Fact]
    public void Qwen25WithToolsToolCallsAndToolResponses()
    {
        var template = ChatTemplate.Parse(S.Qwen25);
        var messages = new[]
        {
            User("Weather in Paris?"),
            new ChatMessage("assistant", "") { ToolCalls = new object?[] { WeatherCall() } },
            new ChatMessage("tool", "20 C"),
        };
        var expected =
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\"}}}\n</tools>\n\n"
            + "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + ImTurn("user", "Weather in Paris?")
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n20 C\n</tool_response><|im_end|>\n"
            + ImPrompt;
        Assert.Equal(expected, template.Render(messages, true, new Dictionary<string, object?> { ["tools"] = new[] { WeatherTool() } }));
    }

    private static string Qwen3Source()
    {
        var path = Path.Combine(TestPaths.Shared!, "data/tokenizers/qwen3/tokenizer_config.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("chat_template").GetString()!;
    }

    private static void AssertQwen3(ChatTemplate template)
    {
        var thinking = new[] { Sys("You are terse."), User("Hi"), Assistant("<think>\nponder\n</think>\n\nHello!"), User("Bye") };
        // Reasoning in turns before the last user query is dropped; enable_thinking=false pre-fills an empty think block.
        var history = ImTurn("system", "You are terse.") + ImTurn("user", "Hi") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye");
        Assert.Equal(history + ImPrompt, template.Render(thinking, true));
        Assert.Equal(history + ImPrompt + "<think>\n\n</think>\n\n",
            template.Render(thinking, true, new Dictionary<string, object?> { ["enable_thinking"] = false }));
        Assert.Equal(history + ImPrompt, template.Render(thinking, true, new Dictionary<string, object?> { ["enable_thinking"] = true }));
        // An answer after the last query keeps its reasoning, re-wrapped.
        Assert.Equal(ImTurn("user", "Hi") + ImTurn("assistant", "<think>\nponder\n</think>\n\nHello!"),
            template.Render(new[] { User("Hi"), Assistant("<think>\nponder\n</think>\n\nHello!") }, false));
        Assert.Equal(ImTurn("user", "Hi") + ImTurn("assistant", "<think>\nwhy\n</think>\n\nHello!"),
            template.Render(new[] { User("Hi"), new ChatMessage("assistant", "Hello!") { ReasoningContent = "why" } }, false));
        // Tools: the definitions go in the system turn, tool results come back as a user turn.
        var withTools = template.Render(new[] { User("Weather?"), new ChatMessage("assistant", "") { ToolCalls = new object?[] { WeatherCall() } }, new ChatMessage("tool", "20 C") },
            true, new Dictionary<string, object?> { ["tools"] = new[] { WeatherTool() } });
        Assert.StartsWith("<|im_start|>system\n# Tools\n\nYou may call one or more functions", withTools);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\"}}}\n</tools>", withTools);
        Assert.EndsWith(ImTurn("user", "Weather?")
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n20 C\n</tool_response><|im_end|>\n" + ImPrompt, withTools);
    }

    [SharedDataFact("data/tokenizers/qwen3/tokenizer_config.json")]
    public void Qwen3FromTokenizerConfig() => AssertQwen3(ChatTemplate.Parse(Qwen3Source()));

    [SharedDataFact("reference/gguf/models/qwen3-bpe3072-tied-f32.gguf")]
    public void Qwen3FromGgufMetadata()
    {
        using var gguf = GgufFile.Open(Path.Combine(TestPaths.Shared!, "reference/gguf/models/qwen3-bpe3072-tied-f32.gguf"));
        AssertQwen3(ChatTemplate.Parse(gguf.GetString("tokenizer.chat_template")));
    }

    [Fact]
    public void MistralV01()
    {
        var template = ChatTemplate.Parse(S.MistralV01);
        var extra = Tokens("<s>", "</s>");
        Assert.Equal("<s>[INST] Hi [/INST]Hello!</s>[INST] Bye [/INST]", template.Render(NoSystem, true, extra));
        var error = Assert.Throws<LoomException>(() => template.Render(Conversation, true, extra));
        Assert.Contains("Conversation roles must alternate", error.Message);
    }

    [Fact]
    public void MistralV03()
    {
        var template = ChatTemplate.Parse(S.MistralV03);
        var extra = Tokens("<s>", "</s>");
        // The system prompt joins the last user turn.
        Assert.Equal("<s>[INST]  Hi [/INST] Hello!</s>[INST] You are terse.\n\nBye[/INST]", template.Render(Conversation, true, extra));
        var error = Assert.Throws<LoomException>(() => template.Render(new[] { User("a"), User("b") }, true, extra));
        Assert.Contains("conversation roles must alternate", error.Message);

        var messages = new[]
        {
            User("Weather?"),
            new ChatMessage("assistant", "") { ToolCalls = new object?[] { WeatherCall("abc123def") } },
            new ChatMessage("tool", "20 C") { ToolCallId = "abc123def" },
        };
        extra["tools"] = new[] { WeatherTool() };
        Assert.Equal(
            "<s>[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\"}}}][/AVAILABLE_TOOLS]"
            + "[INST] Weather?[/INST]"
            + "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abc123def\"}]</s>"
            + "[TOOL_RESULTS] {\"content\": 20 C, \"call_id\": \"abc123def\"}[/TOOL_RESULTS]",
            template.Render(messages, true, extra));
    }

    [Fact]
    public void Gemma2()
    {
        var template = ChatTemplate.Parse(S.Gemma2);
        var extra = Tokens("<bos>", "<eos>");
        var messages = new[] { User(" Hi "), Assistant("Hello!\n"), User("Bye") };
        Assert.Equal("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
            template.Render(messages, true, extra));
        var error = Assert.Throws<LoomException>(() => template.Render(Conversation, true, extra));
        Assert.Contains("System role not supported", error.Message);
    }

    [Fact]
    public void Phi3Mini()
    {
        var template = ChatTemplate.Parse(S.Phi3Mini);
        var extra = Tokens("<s>", "<|endoftext|>");
        var history = "<|system|>\nYou are terse.<|end|>\n<|user|>\n Hi <|end|>\n<|assistant|>\nHello!<|end|>\n<|user|>\nBye<|end|>\n";
        Assert.Equal(history + "<|assistant|>\n", template.Render(Conversation, true, extra));
        Assert.Equal(history + "<|endoftext|>", template.Render(Conversation, false, extra));
    }

    [Fact]
    public void SmolLM2()
    {
        var template = ChatTemplate.Parse(S.SmolLM2);
        Assert.Equal(ImTurn("system", "You are a helpful AI assistant named SmolLM, trained by Hugging Face") + ImTurn("user", "Hi") + ImPrompt,
            template.Render(new[] { User("Hi") }, true));
        Assert.Equal(ImTurn("system", "You are terse.") + ImTurn("user", " Hi ") + ImTurn("assistant", "Hello!") + ImTurn("user", "Bye") + ImPrompt,
            template.Render(Conversation, true));
    }
}
