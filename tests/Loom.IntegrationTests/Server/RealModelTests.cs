#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental; Loom honours it.
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Loom.IntegrationTests.Server;

/// <summary>The official OpenAI client against a real server over real (random-weight) models: a Loom transformer-lm
/// directory and a GGUF file served by the batching engine.</summary>
public class RealModelTests(RealModelFixture fixture) : IClassFixture<RealModelFixture>
{
    private OpenAI.OpenAIClient Client => TestServers.OpenAi(fixture.Server.BaseAddress);

    [Fact]
    public async Task Lists_the_models_in_the_directory()
    {
        var models = (await Client.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Contains(RealModelFixture.Lm, models);
        Assert.Contains(RealModelFixture.Gguf, models);
    }

    [Theory]
    [InlineData(RealModelFixture.Lm)]
    [InlineData(RealModelFixture.Gguf)]
    public async Task Streaming_chat_concatenates_to_the_whole_reply(string model)
    {
        var chat = Client.GetChatClient(model);
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12, Seed = 1 };
        ChatCompletion whole = await chat.CompleteChatAsync([new SystemChatMessage("be brief"), new UserChatMessage("the quick fox")], options);
        Assert.True(whole.Usage.OutputTokenCount is >= 0 and <= 12);
        Assert.True(whole.Usage.InputTokenCount > 0);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new SystemChatMessage("be brief"), new UserChatMessage("the quick fox")], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }
        Assert.Equal(whole.Content.Count == 0 ? "" : whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
    }

    [Fact]
    public async Task Gguf_embeddings_are_deterministic_and_unit_length()
    {
        var embeddings = Client.GetEmbeddingClient(RealModelFixture.Gguf);
        var first = (await embeddings.GenerateEmbeddingsAsync(["the lazy dog", "a cat"])).Value;
        var again = (await embeddings.GenerateEmbeddingAsync("the lazy dog")).Value;
        Assert.Equal(2, first.Count);
        float[] a = first[0].ToFloats().ToArray(), b = first[1].ToFloats().ToArray();
        Assert.Equal(a.Length, b.Length);
        Assert.True(a.Length > 1);
        Assert.Equal(a, again.ToFloats().ToArray());
        Assert.NotEqual(a, b);
        Assert.InRange(Math.Sqrt(a.Sum(x => (double)x * x)), 0.999, 1.001);
    }

    [Fact]
    public async Task A_prompt_beyond_the_context_is_a_400_not_a_truncation()
    {
        var chat = Client.GetChatClient(RealModelFixture.Lm);
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            chat.CompleteChatAsync([new UserChatMessage(string.Concat(Enumerable.Repeat("the lazy dog ", 40)))]));
        Assert.Equal(400, error.Status);
        Assert.Contains("context", error.Message);
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => Client.GetChatClient("missing").CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async Task Tokenize_round_trips_through_the_models_tokenizer()
    {
        foreach (string model in new[] { RealModelFixture.Lm, RealModelFixture.Gguf })
        {
            var response = await fixture.Http.PostAsync("/v1/tokenize", new StringContent(
                JsonSerializer.Serialize(new { model, text = "the brown fox", add_special = false }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var tokens = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
            Assert.NotEmpty(tokens);
            var back = await fixture.Http.PostAsync("/v1/detokenize", new StringContent(
                JsonSerializer.Serialize(new { model, tokens }), Encoding.UTF8, "application/json"));
            Assert.Equal("the brown fox", (string?)JsonNode.Parse(await back.Content.ReadAsStringAsync())!["text"]);
        }
    }

    // The fixture's model has random weights, so only the constraint makes its output JSON at all; maxLength bounds the
    // string (greedy decoding of random weights would otherwise never close it within the token budget).
    [Fact]
    public async Task Json_schema_output_parses_and_validates()
    {
        var schema = BinaryData.FromString("""{"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer"}},"required":["name","age"],"additionalProperties":false}""");
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", schema, jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 60, Temperature = 0,
        };
        ChatCompletion reply = await Client.GetChatClient(RealModelFixture.Gguf).CompleteChatAsync([new UserChatMessage("a person")], options);
        var json = JsonNode.Parse(reply.Content[0].Text)!.AsObject();
        Assert.Equal(JsonValueKind.String, json["name"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, json["age"]!.GetValueKind());
        Assert.Equal(2, json.Count);
        Assert.True(((string)json["name"]!).Length <= 8);
    }

    [ReferenceGgufFact]
    public async Task The_reference_gguf_model_chats_through_the_client()
    {
        ChatCompletion reply = await Client.GetChatClient(RealModelFixture.Reference).CompleteChatAsync([new UserChatMessage("Hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });
        Assert.True(reply.Usage.OutputTokenCount is > 0 and <= 8);
        Assert.NotNull(reply.Content[0].Text);
    }
}
