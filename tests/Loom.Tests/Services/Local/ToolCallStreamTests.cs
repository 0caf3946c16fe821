using System.Text.Json;
using Loom.Services.Local;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Local;

/// <summary>The streaming filter that turns a reply's tool calls into FunctionCallContent updates while passing text through.</summary>
public sealed class ToolCallStreamTests
{
    private static readonly string[] Tools = ["get_weather"];

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(params string[] chunks)
    {
        for (int i = 0; i < chunks.Length; i++)
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, chunks[i]) { ResponseId = "r1" };
            if (i == chunks.Length - 1)
            {
                update.FinishReason = ChatFinishReason.Stop;
                update.Contents.Add(new UsageContent(new UsageDetails { InputTokenCount = 11, OutputTokenCount = chunks.Length }));
            }
            await Task.Yield();
            yield return update;
        }
    }

    private static Task<List<ChatResponseUpdate>> Run(bool captureAll, params string[] chunks) =>
        ToolCallStream.Filter(Updates(chunks), Tools, captureAll).ToListAsync().AsTask();

    private static UsageDetails? Usage(IEnumerable<ChatResponseUpdate> updates) =>
        updates.SelectMany(u => u.Contents).OfType<UsageContent>().SingleOrDefault()?.Details;

    [Fact]
    public async Task Plain_text_streams_through_as_it_comes()
    {
        var output = await Run(false, "Hello", " there", ", friend.");
        Assert.Equal(["Hello", " there", ", friend."], output.Select(u => u.Text));
        Assert.Equal(ChatFinishReason.Stop, output[^1].FinishReason);
        Assert.Equal(3, Usage(output)!.OutputTokenCount);
    }

    [Fact]
    public async Task A_call_split_across_updates_follows_the_text_before_it_and_finishes_with_tool_calls()
    {
        var output = await Run(false, "Sure. <to", "ol_call>\n{\"name\": \"get_", "weather\", \"arguments\": {\"city\": \"Paris\"}}", "\n</tool_call>");
        Assert.Equal("Sure. ", string.Concat(output.Select(u => u.Text)));
        Assert.Equal("Sure. ", output[0].Text); // released before the tag was complete: only the tag's possible start was held
        var call = Assert.Single(output.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("get_weather", "{\"city\":\"Paris\"}"), (call.Name, JsonSerializer.Serialize(call.Arguments)));
        Assert.Equal(ChatFinishReason.ToolCalls, output[^1].FinishReason);
        Assert.Equal(11, Usage(output)!.InputTokenCount);
    }

    [Fact]
    public async Task A_reply_that_opens_like_json_but_is_no_call_is_released_whole()
    {
        var output = await Run(false, "{\"answer\"", ": 42}", " done");
        Assert.Equal("{\"answer\": 42} done", string.Concat(output.Select(u => u.Text)));
        Assert.Empty(output.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(ChatFinishReason.Stop, output[^1].FinishReason);
        Assert.Equal(3, output.Count); // the original updates, not one merged blob
    }

    [Fact]
    public async Task A_held_tag_prefix_that_never_completes_is_released_at_the_end()
    {
        var output = await Run(false, "a < b and <tool", "s> are fine", " <tool");
        Assert.Equal("a < b and <tools> are fine <tool", string.Concat(output.Select(u => u.Text)));
        Assert.Equal("a < b and ", output[0].Text);
    }

    [Fact]
    public async Task A_forced_reply_is_held_whole_and_parsed_as_bare_json()
    {
        var output = await Run(true, "{\"name\": \"get_weather\", ", "\"arguments\": {\"city\": \"Rome\"}}");
        var update = Assert.Single(output);
        Assert.Equal("", update.Text);
        Assert.Equal("get_weather", Assert.Single(update.Contents.OfType<FunctionCallContent>()).Name);
        Assert.Equal(ChatFinishReason.ToolCalls, update.FinishReason);
    }

    [Fact]
    public async Task A_forced_reply_cut_short_stays_text()
    {
        var output = await Run(true, "{\"name\": \"get_weather\", ", "\"arguments\": {\"ci");
        Assert.Equal("{\"name\": \"get_weather\", \"arguments\": {\"ci", string.Concat(output.Select(u => u.Text)));
        Assert.Empty(output.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
    }
}
