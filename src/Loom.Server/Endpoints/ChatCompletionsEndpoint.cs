using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Server.Hosting;
using Loom.Server.Json;
using Loom.Server.Telemetry;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>POST /v1/chat/completions: OpenAI's chat API over the model's <see cref="IChatClient"/>, whole or streamed.</summary>
public static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, IModelCatalog catalog, ServerOptions options, ServerMetrics metrics)
    {
        long start = Stopwatch.GetTimestamp();
        using var body = await RequestBody.ReadAsync(context);
        var request = ChatRequest.Read(new JsonFields(body.RootElement, ""), options.MaxChoices);
        var sampling = request.Sampling;
        using var lease = await ModelAccess.AcquireAsync(catalog, sampling.Model, ModelCapabilities.Chat, "/v1/chat/completions", context);
        var model = lease.Model;
        sampling.CheckTokens(model);
        // The chat template only adds tokens, so message text alone over the limit is already too long.
        if (model.Tokenizer is not null)
            ModelAccess.CheckContext(model, model.Tokenizer.Encode(request.AllText(), addSpecial: false).Length, sampling.MaxTokens,
                "messages", sampling.MaxTokensParam);

        var chat = model.Chat!;
        var run = new GenerationRun(metrics, sampling.Model, sampling.N, start);
        var updates = ChoiceStreams.Merge(sampling.N,
            (i, token) => chat.GetStreamingResponseAsync(request.Messages, request.ToChatOptions(i), token), context.RequestAborted);
        string id = OpenAiJson.NewId("chatcmpl");
        long created = OpenAiJson.Now();
        try
        {
            if (sampling.Stream)
                await StreamAsync(context, run, updates, sampling, id, created);
            else
                await Results.Json(await CollectAsync(run, updates, sampling, id, created)).ExecuteAsync(context);
        }
        finally
        {
            run.Finish(context);
        }
    }

    private static async Task<JsonObject> CollectAsync(GenerationRun run, IAsyncEnumerable<(int Index, ChatResponseUpdate Update)> updates,
        SamplingRequest sampling, string id, long created)
    {
        await foreach (var (index, update) in updates) run.Add(index, update);
        var choices = new JsonArray();
        for (int i = 0; i < run.Choices.Length; i++)
        {
            var choice = run.Choices[i];
            var message = new JsonObject { ["role"] = "assistant", ["content"] = choice.ToolCalls.Count > 0 && choice.Text.Length == 0 ? null : choice.Text, ["refusal"] = null };
            if (choice.ToolCalls.Count > 0) message["tool_calls"] = OpenAiJson.ToolCalls(choice.ToolCalls, withIndex: false);
            choices.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = message,
                ["logprobs"] = sampling.Logprobs ? OpenAiJson.ChatLogprobs(choice.Logprobs) : null,
                ["finish_reason"] = choice.FinalReason,
            });
        }
        var (prompt, completion) = run.Usage;
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = sampling.Model,
            ["choices"] = choices,
            ["usage"] = OpenAiJson.Usage(prompt, completion),
            ["system_fingerprint"] = null,
        };
    }

    private static async Task StreamAsync(HttpContext context, GenerationRun run, IAsyncEnumerable<(int Index, ChatResponseUpdate Update)> updates,
        SamplingRequest sampling, string id, long created)
    {
        var sse = new SseWriter(context);
        var roleSent = new bool[sampling.N];
        JsonObject Chunk(JsonArray choices) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = sampling.Model,
            ["system_fingerprint"] = null, ["choices"] = choices,
        };
        await StreamErrors.RunAsync(sse, async () =>
        {
            await foreach (var (index, update) in sse.FlushWhenIdle(updates))
            {
                run.Add(index, update);
                string text = update.Text;
                var calls = update.Contents.OfType<FunctionCallContent>().ToList();
                var logprobs = ChoiceAccumulator.UpdateLogprobs(update);
                string? finish = update.FinishReason is null ? null : run.Choices[index].FinalReason;
                if (text.Length == 0 && calls.Count == 0 && finish is null && roleSent[index]) continue;
                var delta = new JsonObject();
                if (!roleSent[index]) { delta["role"] = "assistant"; roleSent[index] = true; }
                if (text.Length > 0 || calls.Count == 0) delta["content"] = text;
                if (calls.Count > 0) delta["tool_calls"] = OpenAiJson.ToolCalls(calls, withIndex: true);
                await sse.WriteAsync(Chunk([new JsonObject
                {
                    ["index"] = index,
                    ["delta"] = delta,
                    ["logprobs"] = sampling.Logprobs && logprobs.Count > 0 ? OpenAiJson.ChatLogprobs(logprobs) : null,
                    ["finish_reason"] = finish,
                }]));
            }
            // Every choice ends with a finish reason even when the engine's last update carried none.
            for (int i = 0; i < sampling.N; i++)
            {
                if (run.Choices[i].FinishReason is not null) continue;
                await sse.WriteAsync(Chunk([new JsonObject
                {
                    ["index"] = i, ["delta"] = new JsonObject(), ["logprobs"] = null, ["finish_reason"] = run.Choices[i].FinalReason,
                }]));
            }
            if (sampling.IncludeUsage)
            {
                var (prompt, completion) = run.Usage;
                var usage = Chunk([]);
                usage["usage"] = OpenAiJson.Usage(prompt, completion);
                await sse.WriteAsync(usage);
            }
            await sse.WriteDoneAsync();
        }, context);
    }
}
