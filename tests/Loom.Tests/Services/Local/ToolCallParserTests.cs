using System.Text.Json;
using Loom.Services.Local;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Local;

/// <summary>Tool calls found in model replies: Hermes tags, several calls, Llama-3 bare JSON, and look-alikes that stay text.</summary>
public sealed class ToolCallParserTests
{
    private static readonly string[] Tools = ["get_weather", "get_time"];

    private static string Args(FunctionCallContent call) => JsonSerializer.Serialize(call.Arguments);

    [Fact]
    public void A_hermes_call_becomes_a_function_call_with_its_arguments_and_no_text()
    {
        var parsed = ToolCallParser.Parse("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call>", Tools);
        var call = Assert.Single(parsed.Calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("{\"city\":\"Paris\",\"days\":3}", Args(call));
        Assert.Matches("^call_[A-Za-z0-9]{24}$", call.CallId);
        Assert.Equal("", parsed.Text);
    }

    [Fact]
    public void Several_hermes_calls_keep_their_order_ids_differ_and_text_outside_them_is_kept()
    {
        var parsed = ToolCallParser.Parse(
            "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": \"{\\\"zone\\\": \\\"CET\\\"}\"}\n</tool_call>", Tools);
        Assert.Equal(["get_weather", "get_time"], parsed.Calls.Select(c => c.Name));
        Assert.Equal("{\"zone\":\"CET\"}", Args(parsed.Calls[1])); // arguments written as a JSON string are decoded
        Assert.NotEqual(parsed.Calls[0].CallId, parsed.Calls[1].CallId);
        Assert.Equal("Let me check.", parsed.Text);
    }

    [Fact]
    public void An_unclosed_final_block_still_counts_when_its_json_is_whole()
    {
        var parsed = ToolCallParser.Parse("<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}", Tools);
        Assert.Equal("get_time", Assert.Single(parsed.Calls).Name);
        Assert.Equal("{}", Args(parsed.Calls[0]));
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}")]
    [InlineData("  {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n")]
    [InlineData("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}")]
    [InlineData("[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]")]
    public void Llama3_bare_json_is_a_call(string reply)
    {
        var parsed = ToolCallParser.Parse(reply, Tools);
        var call = Assert.Single(parsed.Calls);
        Assert.Equal(("get_weather", "{\"city\":\"Oslo\"}"), (call.Name, Args(call)));
        Assert.Equal("", parsed.Text);
    }

    [Fact]
    public void Call_ids_come_from_the_given_factory()
    {
        var parsed = ToolCallParser.Parse("{\"name\": \"get_time\", \"arguments\": {}}", Tools, () => ToolCallParser.NewCallId(9));
        Assert.Matches("^[A-Za-z0-9]{9}$", Assert.Single(parsed.Calls).CallId);
    }

    [Fact]
    public void A_bare_json_array_holds_several_calls()
    {
        var parsed = ToolCallParser.Parse("[{\"name\": \"get_time\", \"parameters\": {}}, {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}]", Tools);
        Assert.Equal(["get_time", "get_weather"], parsed.Calls.Select(c => c.Name));
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"launch_rockets\", \"arguments\": {}}\n</tool_call>")] // not an offered tool
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \n</tool_call>")] // broken JSON
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": [1, 2]}\n</tool_call>")] // arguments not an object
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}} and then some words")]
    [InlineData("{\"answer\": 42}")]
    [InlineData("[{\"name\": \"get_time\", \"parameters\": {}}, {\"name\": \"nope\"}]")]
    [InlineData("The tool get_weather takes a city.")]
    public void Look_alikes_stay_text_unchanged(string reply)
    {
        var parsed = ToolCallParser.Parse(reply, Tools);
        Assert.Empty(parsed.Calls);
        Assert.Equal(reply, parsed.Text);
    }

    [Fact]
    public void A_broken_block_beside_a_good_one_stays_in_the_text()
    {
        var parsed = ToolCallParser.Parse("<tool_call>{\"name\": \"nope\"}</tool_call><tool_call>{\"name\": \"get_time\"}</tool_call>", Tools);
        Assert.Equal("get_time", Assert.Single(parsed.Calls).Name);
        Assert.Equal("<tool_call>{\"name\": \"nope\"}</tool_call>", parsed.Text);
    }
}
