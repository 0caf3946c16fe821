using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Server.Operations;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace Loom.IntegrationTests.Server;

/// <summary>
/// Tools through the official OpenAI client on the random-weight "tiny-tools" GGUF (Hermes-style template): a forced
/// call (required / named) always parses and matches its schema — constrained decoding guarantees it, weights or not —
/// whole and streamed; a tool-call round trip renders; models whose template has no tools answer 400. Also: the
/// /v1/completions audit record carries the token counts the response reported.
/// </summary>
public class ToolCallingTests(RealModelFixture fixture) : IClassFixture<RealModelFixture>
{
    private ChatClient Chat(string model) => TestServers.OpenAi(fixture.Server.BaseAddress).GetChatClient(model);

    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "weather for a city", BinaryData.FromString(
        """{"type":"object","properties":{"city":{"type":"string","enum":["paris","rome"]},"days":{"type":"integer"}},"required":["city","days"],"additionalProperties":false}"""));

    private static readonly ChatTool Time = ChatTool.CreateFunctionTool("get_time", "time in a zone", BinaryData.FromString(
        """{"type":"object","properties":{"zone":{"type":"string","maxLength":5}},"required":["zone"]}"""));

    private static ChatCompletionOptions Options(ChatToolChoice choice, long seed)
    {
#pragma warning disable OPENAI001 // Seed is marked experimental; Loom honours it.
        var options = new ChatCompletionOptions { ToolChoice = choice, MaxOutputTokenCount = 200, Temperature = 1, Seed = seed };
#pragma warning restore OPENAI001
        options.Tools.Add(Weather);
        options.Tools.Add(Time);
        return options;
    }

    /// <summary>The call's arguments against its tool's schema, checked by hand.</summary>
    private static void AssertValid(string name, string arguments)
    {
        var args = JsonNode.Parse(arguments)!.AsObject();
        if (name == "get_weather")
        {
            Assert.Equal(["city", "days"], args.Select(p => p.Key).Order());
            Assert.Contains((string)args["city"]!, new[] { "paris", "rome" });
            Assert.Equal(JsonValueKind.Number, args["days"]!.GetValueKind());
            Assert.Equal(Math.Floor((double)args["days"]!), (double)args["days"]!);
        }
        else
        {
            Assert.Equal("get_time", name);
            Assert.Equal(["zone"], args.Select(p => p.Key));
            Assert.True(((string)args["zone"]!).Length <= 5);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Required_tool_choice_yields_a_call_that_matches_its_schema(long seed)
    {
        ChatCompletion reply = await Chat(RealModelFixture.Tools).CompleteChatAsync([new UserChatMessage("weather in paris?")],
            Options(ChatToolChoice.CreateRequiredChoice(), seed));
        Assert.Equal(ChatFinishReason.ToolCalls, reply.FinishReason);
        var call = Assert.Single(reply.ToolCalls);
        Assert.StartsWith("call_", call.Id);
        AssertValid(call.FunctionName, call.FunctionArguments.ToString());
        Assert.Empty(reply.Content);
    }

    [Fact]
    public async Task A_named_tool_choice_streams_one_call_of_that_tool()
    {
        var options = Options(ChatToolChoice.CreateFunctionChoice("get_time"), seed: 5);
        var arguments = new System.Text.StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Chat(RealModelFixture.Tools).CompleteChatStreamingAsync([new UserChatMessage("what time is it?")], options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
            Assert.All(update.ContentUpdate, c => Assert.Equal("", c.Text));
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.StartsWith("call_", id);
        Assert.Equal("get_time", name);
        AssertValid(name!, arguments.ToString());
    }

    [Fact]
    public async Task A_tool_call_round_trip_is_rendered_and_tool_choice_none_hides_the_tools()
    {
        ChatMessage[] conversation =
        [
            new UserChatMessage("weather in rome?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city":"rome","days":2}"""))]),
            new ToolChatMessage("call_1", "sunny"),
        ];
        var auto = Options(ChatToolChoice.CreateAutoChoice(), seed: 1);
        auto.MaxOutputTokenCount = 8;
        var none = Options(ChatToolChoice.CreateNoneChoice(), seed: 1);
        none.MaxOutputTokenCount = 8;
        ChatCompletion withTools = await Chat(RealModelFixture.Tools).CompleteChatAsync(conversation, auto);
        ChatCompletion withoutTools = await Chat(RealModelFixture.Tools).CompleteChatAsync(conversation, none);
        // The char-level prompt holds the rendered call and result; the tool list (two JSON schemas) only with auto.
        int history = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"rome\", \"days\": 2}}\n</tool_call>".Length + "<tool_response>\nsunny\n</tool_response>".Length;
        Assert.True(withoutTools.Usage.InputTokenCount > history);
        Assert.True(withTools.Usage.InputTokenCount > withoutTools.Usage.InputTokenCount + 150);
        Assert.Empty(withoutTools.ToolCalls);
    }

    private const string ForcedBody = """
        {"model": "tiny-tools", "messages": [{"role": "user", "content": "time?"}], "max_tokens": 200, "seed": 9,
         "tools": [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 5}}, "required": ["zone"]}}}],
         "tool_choice": {"type": "function", "function": {"name": "get_time"}}, "parallel_tool_calls": false
        """;

    [Fact]
    public async Task On_the_wire_a_call_has_null_content_and_streams_as_one_tool_calls_delta()
    {
        var whole = await fixture.Http.PostAsync("/v1/chat/completions", new StringContent(ForcedBody + "}", System.Text.Encoding.UTF8, "application/json"));
        var choice = (await whole.Content.ReadFromJsonAsync<JsonObject>())!["choices"]![0]!;
        Assert.Equal("tool_calls", (string)choice["finish_reason"]!);
        var message = choice["message"]!.AsObject();
        Assert.True(message.ContainsKey("content"));
        Assert.Null(message["content"]);
        var call = message["tool_calls"]![0]!;
        Assert.Equal(("function", "get_time"), ((string)call["type"]!, (string)call["function"]!["name"]!));
        AssertValid("get_time", (string)call["function"]!["arguments"]!);

        var events = await HttpApiTests.StreamAsync(fixture.Http, "/v1/chat/completions", ForcedBody + ", \"stream\": true}");
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!["choices"]![0]!).ToList();
        var withCalls = Assert.Single(chunks, c => c["delta"]!["tool_calls"] is not null);
        var delta = withCalls["delta"]!["tool_calls"]![0]!;
        Assert.Equal((0, "function", "get_time"), ((int)delta["index"]!, (string)delta["type"]!, (string)delta["function"]!["name"]!));
        Assert.StartsWith("call_", (string)delta["id"]!);
        AssertValid("get_time", (string)delta["function"]!["arguments"]!);
        Assert.Equal("tool_calls", (string)chunks[^1]["finish_reason"]!);
        Assert.All(chunks, c => Assert.True(c["delta"]!["content"] is null || (string)c["delta"]!["content"]! == ""));
    }

    [ReferenceQwenFact]
    public async Task Qwen3s_own_template_renders_tools_and_history_and_a_forced_call_parses()
    {
        // Qwen3's real template (namespace, reversed loops, string methods) with the tools, a call and its result.
        ChatMessage[] conversation =
        [
            new SystemChatMessage("be brief"),
            new UserChatMessage("weather in rome?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city":"rome","days":2}"""))]),
            new ToolChatMessage("call_1", "sunny"),
            new UserChatMessage("and the time there?"),
        ];
        ChatCompletion reply = await Chat(RealModelFixture.QwenReference).CompleteChatAsync(conversation, Options(ChatToolChoice.CreateRequiredChoice(), seed: 7));
        Assert.Equal(ChatFinishReason.ToolCalls, reply.FinishReason);
        var call = Assert.Single(reply.ToolCalls);
        AssertValid(call.FunctionName, call.FunctionArguments.ToString());
        var auto = Options(ChatToolChoice.CreateAutoChoice(), seed: 7);
        auto.MaxOutputTokenCount = 6;
        ChatCompletion free = await Chat(RealModelFixture.QwenReference).CompleteChatAsync(conversation, auto);
        Assert.True(reply.Usage.InputTokenCount > free.Usage.InputTokenCount); // the same prompt plus the forced "<tool_call>\n"
        Assert.True(free.Usage.InputTokenCount > 150); // the system turn with both tool schemas, the call and its result
    }

    [Theory]
    [InlineData(RealModelFixture.Gguf, false)]
    [InlineData(RealModelFixture.Gguf, true)]
    [InlineData(RealModelFixture.Lm, false)]
    public async Task A_model_whose_template_has_no_tools_refuses_them_with_400(string model, bool stream)
    {
        var options = Options(ChatToolChoice.CreateAutoChoice(), seed: 1);
        var e = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            if (stream)
                await foreach (var _ in Chat(model).CompleteChatStreamingAsync([new UserChatMessage("hi")], options)) { }
            else
                await Chat(model).CompleteChatAsync([new UserChatMessage("hi")], options);
        });
        Assert.Equal(400, e.Status);
        var error = JsonNode.Parse(e.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.StartsWith($"model '{model}': its chat template does not support tools", (string)error["message"]!);
        Assert.Equal("invalid_request_error", (string)error["type"]!);
        // tool_choice none: the tools are not shown to the model, so any model answers.
        var none = Options(ChatToolChoice.CreateNoneChoice(), seed: 1);
        none.MaxOutputTokenCount = 4;
        Assert.NotNull(await Chat(model).CompleteChatAsync([new UserChatMessage("hi")], none));
    }

    [Fact]
    public async Task Completions_audit_records_carry_the_reported_token_counts()
    {
        var response = await fixture.Http.PostAsJsonAsync("/v1/completions", new { model = RealModelFixture.Gguf, prompt = "the lazy dog audited", max_tokens = 5, seed = 3 });
        response.EnsureSuccessStatusCode();
        var usage = (await response.Content.ReadFromJsonAsync<JsonObject>())!["usage"]!;
        int prompt = (int)usage["prompt_tokens"]!, completion = (int)usage["completion_tokens"]!;
        Assert.True(prompt > 0 && completion > 0);
        var state = fixture.Server.App.Services.GetRequiredService<OperationsState>();
        await state.Audit.FlushAsync();
        var records = await state.AuditSink.ReadRecentAsync(200);
        var record = Assert.Single(records, r => r.Endpoint == "/v1/completions" && r.Prompt == "the lazy dog audited");
        Assert.Equal((RealModelFixture.Gguf, 200, prompt, completion), (record.Model, record.Status, record.PromptTokens, record.CompletionTokens));
    }
}
