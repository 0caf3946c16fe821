using System.Runtime.CompilerServices;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Storage;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

/// <summary>A conversation with tool calls and results, and a reply that only calls a tool, are audited with that content, not as empty text.</summary>
public class AuditToolContentTests
{
    /// <summary>Always answers with one call of get_time.</summary>
    private sealed class CallingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [Call()])));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, [Call()]) { FinishReason = ChatFinishReason.ToolCalls };
        }

        private static FunctionCallContent Call() => new("call_2", "get_time", new Dictionary<string, object?> { ["zone"] = "CET" });

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_and_results_are_in_the_recorded_prompt_and_reply(bool streaming)
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        ChatMessage[] conversation =
        [
            new(ChatRole.User, "weather?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "20 C")]),
        ];
        await using (var writer = new AuditWriter(sink, AuditContentMode.Full))
        {
            var client = new AuditingChatClient(new CallingChatClient(), writer, "m");
            if (streaming) await client.GetStreamingResponseAsync(conversation).ToListAsync();
            else await client.GetResponseAsync(conversation);
        }
        var record = Assert.Single(await sink.ReadRecentAsync(10));
        Assert.Equal("user: weather?\nassistant: tool_call get_weather {\"city\":\"Paris\"}\ntool: tool_result call_1: 20 C\n", record.Prompt);
        Assert.Equal("tool_call get_time {\"zone\":\"CET\"}", record.Response);
    }
}
