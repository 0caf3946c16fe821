using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Server.Errors;
using Loom.Server.Json;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// POST /v1/embeddings: input as a string, an array of strings, an array of token ids or an array of such arrays
/// (token ids are decoded to text first); encoding_format "float" (JSON numbers) or "base64" (little-endian float32
/// bytes, as OpenAI sends them). Every input must fit the model's context.
/// </summary>
public static class EmbeddingsEndpoint
{
    public const int MaxInputs = 2048;

    public static async Task HandleAsync(HttpContext context, IModelCatalog catalog)
    {
        using var body = await RequestBody.ReadAsync(context);
        var fields = new JsonFields(body.RootElement, "");
        string modelId = fields.RequiredString("model");
        var inputs = ReadInputs(fields);
        string format = fields.String("encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
            throw ApiException.OutOfRange("encoding_format", "'float' or 'base64'", $"'{format}'");
        long? dimensions = fields.Integer("dimensions", 1, int.MaxValue);

        using var lease = await ModelAccess.AcquireAsync(catalog, modelId, ModelCapabilities.Embeddings, "/v1/embeddings", context);
        var model = lease.Model;
        var texts = new string[inputs.Count];
        long promptTokens = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var (text, tokens, param) = inputs[i];
            if (tokens is not null)
            {
                var tokenizer = model.Tokenizer ?? throw ApiException.BadRequest($"Model '{modelId}' has no tokenizer; send text.", param);
                TokenIds.CheckRange(tokens, tokenizer, param);
                text = tokenizer.Decode(tokens);
            }
            texts[i] = text!;
            if (model.Tokenizer is not null)
            {
                int count = tokens?.Length ?? model.Tokenizer.Encode(text!, addSpecial: true).Length;
                if (model.ContextLength > 0 && count > model.ContextLength)
                    throw ApiException.BadRequest($"Input {i} has {count} tokens; model '{modelId}' takes at most {model.ContextLength}.", param, "context_length_exceeded");
                promptTokens += count;
            }
        }

        var embeddings = await model.Embeddings!.GenerateAsync(texts, cancellationToken: context.RequestAborted);
        var data = new JsonArray();
        for (int i = 0; i < embeddings.Count; i++)
        {
            var vector = embeddings[i].Vector;
            if (dimensions is { } d && d != vector.Length)
                throw ApiException.BadRequest($"Model '{modelId}' gives {vector.Length}-dimensional embeddings; 'dimensions' {d} cannot be honoured.", "dimensions", "invalid_value");
            JsonNode value = format == "base64"
                ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.Span))
                : new JsonArray([.. vector.ToArray().Select(v => (JsonNode)v)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = value });
        }
        if (context.Features.Get<LoomRequestFeature>() is { } feature) feature.PromptTokens = promptTokens;
        await Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = modelId,
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["total_tokens"] = promptTokens },
        }).ExecuteAsync(context);
    }

    private static List<(string? Text, int[]? Tokens, string Param)> ReadInputs(JsonFields fields)
    {
        var input = fields.Get("input") ?? throw ApiException.Missing("input");
        if (input.ValueKind == JsonValueKind.String) return [(input.GetString(), null, "input")];
        if (input.ValueKind != JsonValueKind.Array)
            throw ApiException.WrongType("input", "a string, an array of strings or an array of token ids", JsonFields.Describe(input));
        var items = input.EnumerateArray().ToList();
        if (items.Count == 0) throw ApiException.BadRequest("'input' must not be an empty array.", "input", "empty_array");
        if (items.Count > MaxInputs) throw ApiException.OutOfRange("input", $"at most {MaxInputs} inputs", $"{items.Count}");
        if (items.All(i => i.ValueKind == JsonValueKind.Number)) return [(null, TokenIds.Read(input, "input"), "input")];
        var result = new List<(string?, int[]?, string)>();
        for (int i = 0; i < items.Count; i++)
        {
            string param = $"input[{i}]";
            result.Add(items[i].ValueKind switch
            {
                JsonValueKind.String => (items[i].GetString(), null, param),
                JsonValueKind.Array => (null, TokenIds.Read(items[i], param), param),
                _ => throw ApiException.WrongType(param, "a string or an array of token ids", JsonFields.Describe(items[i])),
            });
        }
        return result;
    }
}
