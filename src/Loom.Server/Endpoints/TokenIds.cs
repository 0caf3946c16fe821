using System.Globalization;
using System.Text.Json;
using Loom.Server.Errors;
using Loom.Server.Json;
using Loom.Services.Models;

namespace Loom.Server.Endpoints;

/// <summary>Token-id arrays in requests (prompts, embedding inputs, /v1/detokenize): integers, each in the vocabulary.</summary>
public static class TokenIds
{
    public static int[] Read(JsonElement array, string param)
    {
        if (array.ValueKind != JsonValueKind.Array) throw ApiException.WrongType(param, "an array of token ids", JsonFields.Describe(array));
        var tokens = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            long id = JsonFields.ReadInteger(item, $"{param}[{i}]");
            if (id < 0 || id > int.MaxValue)
                throw ApiException.OutOfRange($"{param}[{i}]", "a non-negative token id", id.ToString(CultureInfo.InvariantCulture));
            tokens[i++] = (int)id;
        }
        return tokens;
    }

    public static void CheckRange(int[] tokens, IServedTokenizer tokenizer, string param)
    {
        if (tokenizer.VocabSize is not { } vocab) return;
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] >= vocab)
                throw ApiException.OutOfRange($"{param}[{i}]", $"a token id from 0 to {vocab - 1}", tokens[i].ToString(CultureInfo.InvariantCulture));
    }
}
