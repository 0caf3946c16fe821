using System.Runtime.CompilerServices;
using Loom.Core;
using Loom.Services.Models;
using Loom.Services.Operations;
using Loom.Services.Operations.Audit;
using Loom.Services.Operations.Storage;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Services.Operations;

/// <summary>Raw completions are audited like chat: prompt and completion token counts, text, status; through the pipeline too.</summary>
public class AuditingTextCompleterTests
{
    /// <summary>Echoes the prompt in pieces; reports usage unless told not to; fails before the first piece when asked.</summary>
    private sealed class ScriptedCompleter(bool reportUsage = true, bool fail = false) : ITextCompleter
    {
        public async IAsyncEnumerable<ChatResponseUpdate> CompleteStreamingAsync(string prompt, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellation = default)
        {
            await Task.Yield();
            if (fail) throw LoomException.Argument("max_tokens: 0 is out of range");
            foreach (string piece in new[] { "and ", "then ", prompt })
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
            var last = new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop };
            if (reportUsage) last.Contents.Add(new UsageContent(new UsageDetails { InputTokenCount = 5, OutputTokenCount = 9 }));
            yield return last;
        }
    }

    [Fact]
    public async Task A_completion_is_recorded_with_the_models_token_counts_and_its_text()
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        await using (var writer = new AuditWriter(sink, AuditContentMode.Full))
        {
            var completer = new ChatPipeline(audit: writer).Wrap(new ScriptedCompleter(), "m2");
            Assert.IsType<AuditingTextCompleter>(completer);
            string text = string.Concat((await completer.CompleteStreamingAsync("once upon").ToListAsync()).Select(u => u.Text));
            Assert.Equal("and then once upon", text);
        }
        var record = Assert.Single(await sink.ReadRecentAsync(10));
        Assert.Equal(("completions", "m2", 5, 9, 200), (record.Endpoint, record.Model, record.PromptTokens, record.CompletionTokens, record.Status));
        Assert.Equal(("once upon", "and then once upon"), (record.Prompt, record.Response));
    }

    [Fact]
    public async Task Without_reported_usage_the_counts_are_estimated_and_a_host_draft_is_filled_for_each_choice()
    {
        var draft = new AuditDraft();
        using var temp = new TempFolder();
        await using var writer = new AuditWriter(new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path)));
        var completer = new AuditingTextCompleter(new ScriptedCompleter(reportUsage: false), writer, "m2");
        using (OperationsRequestContext.Begin(new OperationsRequestContext { Audit = draft }))
        {
            await completer.CompleteStreamingAsync("a prompt of 22 chars..").ToListAsync();
            await completer.CompleteStreamingAsync("a prompt of 22 chars..").ToListAsync(); // n = 2: prompt once, completions add up
        }
        int completion = ChatUsage.Estimate("and then a prompt of 22 chars..");
        Assert.Equal(("m2", ChatUsage.Estimate("a prompt of 22 chars.."), 2 * completion), (draft.Model, draft.PromptTokens, draft.CompletionTokens));
        Assert.Equal("a prompt of 22 chars..", draft.Prompt);
    }

    [Fact]
    public async Task A_refused_completion_is_recorded_with_status_400()
    {
        using var temp = new TempFolder();
        var sink = new SqlAuditSink(DataDirectory.OpenSqlite(temp.Path));
        await using (var writer = new AuditWriter(sink))
        {
            var completer = new AuditingTextCompleter(new ScriptedCompleter(fail: true), writer, "m2");
            await Assert.ThrowsAsync<LoomException>(async () => await completer.CompleteStreamingAsync("x").ToListAsync());
        }
        Assert.Equal(400, Assert.Single(await sink.ReadRecentAsync(10)).Status);
    }
}
