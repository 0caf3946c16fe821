using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Server.Errors;
using Loom.Server.Hosting;
using Loom.Server.Json;
using Loom.Server.Telemetry;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// POST /v1/completions: raw-prompt completion over the model's <see cref="ITextCompleter"/>. The prompt is a string,
/// an array of strings, an array of token ids or an array of such arrays; each prompt gets n choices (choice index
/// = prompt index · n + i, as OpenAI numbers them). logprobs is an integer (alternatives per token, 0..5).
/// </summary>
public static class CompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, IModelCatalog catalog, ServerOptions options, ServerMetrics metrics)
    {
        long start = Stopwatch.GetTimestamp();
        using var body = await RequestBody.ReadAsync(context);
        var fields = new JsonFields(body.RootElement, "");
        var sampling = SamplingRequest.Read(fields, options.MaxChoices);
        long? logprobs = fields.Integer("logprobs", 0, 5);
        bool echo = fields.Bool("echo") ?? false;
        if (fields.String("suffix") is { Length: > 0 })
            throw ApiException.BadRequest("'suffix' (insertion) is not supported by Loom's models.", "suffix", "not_supported");
        if (fields.Integer("best_of", 1, options.MaxChoices) is { } bestOf && bestOf != sampling.N)
            throw ApiException.BadRequest("'best_of' other than 'n' is not supported.", "best_of", "not_supported");
        sampling = sampling with { Logprobs = logprobs is not null, TopLogprobs = (int)(logprobs ?? 0) };
        var rawPrompts = ReadPrompts(fields);

        using var lease = await ModelAccess.AcquireAsync(catalog, sampling.Model, ModelCapabilities.Completion, "/v1/completions", context);
        var model = lease.Model;
        sampling.CheckTokens(model);
        var prompts = rawPrompts.Select(p => p.Text ?? Detokenize(model, p.Tokens!, p.Param)).ToArray();
        for (int p = 0; p < prompts.Length; p++)
        {
            if (rawPrompts[p].Tokens is { } tokens)
                ModelAccess.CheckContext(model, tokens.Length, sampling.MaxTokens, rawPrompts[p].Param, sampling.MaxTokensParam);
            else
                ModelAccess.CheckContext(model, prompts[p], sampling.MaxTokens, rawPrompts[p].Param, sampling.MaxTokensParam);
        }

        var completer = model.Completions!;
        int n = sampling.N, total = prompts.Length * n;
        var run = new GenerationRun(metrics, sampling.Model, total, start, choicesPerPrompt: n);
        var updates = ChoiceStreams.Merge(total,
            (i, token) => completer.CompleteStreamingAsync(prompts[i / n], sampling.ToChatOptions(i % n), token), context.RequestAborted);
        string id = OpenAiJson.NewId("cmpl");
        long created = OpenAiJson.Now();
        JsonObject Response(JsonArray choices) => new()
        {
            ["id"] = id, ["object"] = "text_completion", ["created"] = created, ["model"] = sampling.Model,
            ["system_fingerprint"] = null, ["choices"] = choices,
        };
        try
        {
            if (sampling.Stream)
            {
                var sse = new SseWriter(context);
                await StreamErrors.RunAsync(sse, async () =>
                {
                    var echoed = new bool[total];
                    await foreach (var (index, update) in sse.FlushWhenIdle(updates))
                    {
                        run.Add(index, update);
                        string text = update.Text;
                        if (echo && !echoed[index]) { text = prompts[index / n] + text; echoed[index] = true; }
                        var lps = ChoiceAccumulator.UpdateLogprobs(update);
                        if (text.Length == 0 && update.FinishReason is null) continue;
                        await sse.WriteAsync(Response([Choice(index, text,
                            sampling.Logprobs && lps.Count > 0 ? OpenAiJson.CompletionLogprobs(lps, 0) : null,
                            update.FinishReason is null ? null : run.Choices[index].FinalReason)]));
                    }
                    for (int i = 0; i < total; i++)
                        if (run.Choices[i].FinishReason is null)
                            await sse.WriteAsync(Response([Choice(i, "", null, run.Choices[i].FinalReason)]));
                    if (sampling.IncludeUsage)
                    {
                        var usage = Response([]);
                        usage["usage"] = OpenAiJson.Usage(run.Usage.Prompt, run.Usage.Completion);
                        await sse.WriteAsync(usage);
                    }
                    await sse.WriteDoneAsync();
                }, context);
            }
            else
            {
                await foreach (var (index, update) in updates) run.Add(index, update);
                var choices = new JsonArray();
                for (int i = 0; i < total; i++)
                {
                    var choice = run.Choices[i];
                    string prefix = echo ? prompts[i / n] : "";
                    choices.Add(Choice(i, prefix + choice.Text,
                        sampling.Logprobs ? OpenAiJson.CompletionLogprobs(choice.Logprobs, prefix.Length) : null, choice.FinalReason));
                }
                var response = Response(choices);
                response["usage"] = OpenAiJson.Usage(run.Usage.Prompt, run.Usage.Completion);
                await Results.Json(response).ExecuteAsync(context);
            }
        }
        finally
        {
            run.Finish(context);
        }
    }

    private static JsonObject Choice(int index, string text, JsonObject? logprobs, string? finish) => new()
    {
        ["index"] = index, ["text"] = text, ["logprobs"] = logprobs, ["finish_reason"] = finish,
    };

    private sealed record RawPrompt(string? Text, int[]? Tokens, string Param);

    private static List<RawPrompt> ReadPrompts(JsonFields fields)
    {
        var prompt = fields.Get("prompt") ?? throw ApiException.Missing("prompt");
        if (prompt.ValueKind == JsonValueKind.String) return [new RawPrompt(prompt.GetString(), null, "prompt")];
        if (prompt.ValueKind != JsonValueKind.Array)
            throw ApiException.WrongType("prompt", "a string, an array of strings or an array of token ids", JsonFields.Describe(prompt));
        var items = prompt.EnumerateArray().ToList();
        if (items.Count == 0) throw ApiException.BadRequest("'prompt' must not be an empty array.", "prompt", "empty_array");
        if (items.All(i => i.ValueKind == JsonValueKind.Number)) return [new RawPrompt(null, TokenIds.Read(prompt, "prompt"), "prompt")];
        var result = new List<RawPrompt>();
        for (int i = 0; i < items.Count; i++)
        {
            string param = $"prompt[{i}]";
            result.Add(items[i].ValueKind switch
            {
                JsonValueKind.String => new RawPrompt(items[i].GetString(), null, param),
                JsonValueKind.Array => new RawPrompt(null, TokenIds.Read(items[i], param), param),
                _ => throw ApiException.WrongType(param, "a string or an array of token ids", JsonFields.Describe(items[i])),
            });
        }
        return result;
    }

    private static string Detokenize(IServedModel model, int[] tokens, string param)
    {
        var tokenizer = model.Tokenizer ?? throw ApiException.BadRequest($"Model '{model.Info.Id}' has no tokenizer; send the prompt as text.", param);
        TokenIds.CheckRange(tokens, tokenizer, param);
        return tokenizer.Decode(tokens);
    }
}
