using Loom.Text.Templates;
using static Loom.Tests.Text.Templates.TemplateTestHelpers;
using S = Loom.Tests.Text.Templates.RealChatTemplateSources;

namespace Loom.Tests.Text.Templates;

/// <summary>The named fallbacks render what the real templates of their families render.</summary>
public sealed class ChatTemplateFallbackTests
{
    private static readonly ChatMessage[] Alternating = { User("Hi"), Assistant("Hello!"), User("Bye") };

    [Theory]
    [InlineData("llama3", S.Llama3, "<|begin_of_text|>", "<|eot_id|>")]
    [InlineData("gemma", S.Gemma2, "<bos>", "<eos>")]
    [InlineData("phi3", S.Phi3Mini, "<s>", "<|endoftext|>")]
    [InlineData("mistral", S.MistralV01, "<s>", "</s>")]
    public void FallbackMatchesTheFamilysTemplate(string name, string real, string bos, string eos)
    {
        var extra = Tokens(bos, eos);
        foreach (bool prompt in new[] { true, false })
            Assert.Equal(ChatTemplate.Parse(real).Render(Alternating, prompt, extra), ChatTemplates.Fallback(name).Render(Alternating, prompt, extra));
    }

    [Fact]
    public void ChatmlMatchesSmolLM2WhenASystemMessageIsGiven()
    {
        var messages = new[] { Sys("S"), User("Hi"), Assistant("Hello!"), User("Bye") };
        Assert.Equal(ChatTemplate.Parse(S.SmolLM2).Render(messages, true), ChatTemplates.Fallback("chatml").Render(messages, true));
        Assert.Equal(ChatTemplate.Parse(S.SmolLM2).Render(messages, true), ChatTemplates.Fallback("ChatML").Render(messages, true));
    }

    [Fact]
    public void Llama2FoldsTheSystemPromptIntoTheFirstInstruction()
    {
        var messages = new[] { Sys("S"), User("Hi"), Assistant("Hello"), User("Bye") };
        Assert.Equal("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] Bye [/INST]",
            ChatTemplates.Fallback("llama2").Render(messages, true, Tokens("<s>", "</s>")));
    }

    [Fact]
    public void ZephyrEndsEachTurnWithEos()
    {
        Assert.Equal("<|system|>\nS</s>\n<|user|>\nHi</s>\n<|assistant|>\n",
            ChatTemplates.Fallback("zephyr").Render(new[] { Sys("S"), User("Hi") }, true, Tokens("<s>", "</s>")));
    }

    [Fact]
    public void EveryNamedFallbackParses()
    {
        foreach (var name in ChatTemplates.Names)
            Assert.NotEmpty(ChatTemplates.Fallback(name).Render(new[] { User("x") }, true, Tokens("<s>", "</s>")));
    }
}
