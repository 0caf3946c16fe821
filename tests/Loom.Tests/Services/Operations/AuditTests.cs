using Loom.Services.Operations;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Storage;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

public class AuditTests
{
    [Theory]
    [InlineData(AuditContentMode.Full)]
    [InlineData(AuditContentMode.Hash)]
    [InlineData(AuditContentMode.None)]
    public async Task AuditingChatClient_WritesOneRecordPerCall_WithTheConfiguredContent(AuditContentMode mode)
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        await using (var writer = new AuditWriter(sink, mode))
        {
            var client = new AuditingChatClient(new CountingChatClient(), writer, "m1");
            using (OperationsRequestContext.Begin(new OperationsRequestContext { KeyId = "key_1", Endpoint = "/v1/chat/completions" }))
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "secret question")]);
        } // dispose flushes

        var record = Assert.Single(await sink.ReadRecentAsync(10));
        Assert.Equal(("key_1", "/v1/chat/completions", "m1", 7, 3, 200), (record.KeyId, record.Endpoint, record.Model, record.PromptTokens, record.CompletionTokens, record.Status));
        Assert.True(record.LatencyMs >= 0);
        Assert.NotNull(record.Instance);
        string prompt = "user: secret question\n";
        switch (mode)
        {
            case AuditContentMode.Full:
                Assert.Equal(prompt, record.Prompt);
                Assert.Equal("echo 1: secret question", record.Response);
                Assert.Equal(AuditContent.Sha256(prompt), record.PromptSha256);
                break;
            case AuditContentMode.Hash:
                Assert.Null(record.Prompt);
                Assert.Null(record.Response);
                Assert.Equal(AuditContent.Sha256(prompt), record.PromptSha256);
                Assert.Equal(AuditContent.Sha256("echo 1: secret question"), record.ResponseSha256);
                break;
            default:
                Assert.Null(record.Prompt);
                Assert.Null(record.PromptSha256);
                Assert.Null(record.ResponseSha256);
                break;
        }
    }

    [Fact]
    public async Task Streaming_IsAuditedWithItsUsage_AndAHostDraftIsFilledInsteadOfWritten()
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        var draft = new AuditDraft();
        await using (var writer = new AuditWriter(sink))
        {
            var client = new AuditingChatClient(new CountingChatClient(), writer, "m1");
            await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]).ToListAsync();
            using (OperationsRequestContext.Begin(new OperationsRequestContext { Audit = draft }))
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")]);
            await writer.FlushAsync();
            var record = Assert.Single(await sink.ReadRecentAsync(10));
            Assert.Equal((7, 4, "echo 1: hi"), (record.PromptTokens, record.CompletionTokens, record.Response));
        }
        Assert.Equal(("m1", 7, 3, "echo 2: hello"), (draft.Model, draft.PromptTokens, draft.CompletionTokens, draft.Response));
    }

    [Fact]
    public async Task Writer_KeepsEveryRecordQueuedBeforeDispose()
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        var writer = new AuditWriter(sink, AuditContentMode.None);
        for (int i = 0; i < 600; i++)
            writer.Write(AuditContent.Record(AuditContentMode.None, DateTimeOffset.UtcNow, $"k{i}", "/v1/embeddings", "m", i, 0, 1, 200, null, null));
        await writer.DisposeAsync();
        var records = await sink.ReadRecentAsync(1000);
        Assert.Equal(600, records.Count);
        Assert.Equal("k599", records[0].KeyId);
    }

    [Fact]
    public void ContentMode_ParsesConfigText()
    {
        Assert.Equal(AuditContentMode.Full, AuditContent.Parse(null));
        Assert.Equal(AuditContentMode.Hash, AuditContent.Parse("Hash"));
        Assert.Equal(AuditContentMode.None, AuditContent.Parse("none"));
        Assert.Contains("'everything'", Assert.Throws<Loom.Core.LoomException>(() => AuditContent.Parse("everything")).Message);
    }
}
