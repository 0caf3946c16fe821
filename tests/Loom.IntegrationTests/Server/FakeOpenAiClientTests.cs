#pragma warning disable OPENAI001 // ChatCompletionOptions.Seed is marked experimental; Loom honours it.
using System.ClientModel;
using Loom.Formats.Png;
using OpenAI.Chat;
using OpenAI.Images;

namespace Loom.IntegrationTests.Server;

/// <summary>The official OpenAI client against the scripted models: its parsing of Loom's responses and errors.</summary>
public class FakeOpenAiClientTests(FakeServerFixture fixture) : IClassFixture<FakeServerFixture>
{
    [Fact]
    public async Task Chat_and_streaming_chat_give_the_same_text()
    {
        var chat = TestServers.OpenAi(fixture.BaseAddress).GetChatClient("fake-chat");
        var options = new ChatCompletionOptions { Temperature = 0, Seed = 3 };
        ChatCompletion whole = await chat.CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Equal("echo: hello #3", whole.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, whole.FinishReason);
        var parts = new List<string>();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hello")], options))
            parts.AddRange(update.ContentUpdate.Select(c => c.Text));
        Assert.True(parts.Count > 1);
        Assert.Equal(whole.Content[0].Text, string.Concat(parts));
    }

    [Fact]
    public async Task Errors_surface_as_client_result_exceptions_with_the_status()
    {
        var client = TestServers.OpenAi(fixture.BaseAddress);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(404, missing.Status);
        Assert.Contains("no-such-model", missing.Message);
        var bad = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.GetChatClient("fake-chat").CompleteChatAsync([new UserChatMessage("x")], new ChatCompletionOptions { Temperature = 3 }));
        Assert.Equal(400, bad.Status);
        Assert.Contains("temperature", bad.Message);
    }

    [Fact]
    public async Task Image_generation_returns_pngs_of_the_model_size()
    {
        var images = TestServers.OpenAi(fixture.BaseAddress).GetImageClient(FakeCatalog.Image);
        var result = await images.GenerateImagesAsync("anything", 2, new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes });
        Assert.Equal(2, result.Value.Count);
        foreach (var image in result.Value)
        {
            var png = PngDecoder.Decode(image.ImageBytes.ToArray(), "response");
            Assert.Equal((8, 6, 3), (png.Width, png.Height, png.Channels));
        }
    }
}
