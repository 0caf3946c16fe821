using System.Text;
using Loom.Inference;
using Loom.Text.Sampling;

namespace Loom.Tests.Inference;

/// <summary>The generation entry points the CLI uses: a greedy <see cref="TextGenerator"/> from
/// <see cref="LlmGeneration.CreateGenerator"/> reproduces llama-completion's text from the prompt's text.</summary>
public class LlmGenerationTests
{
    [SharedGgufTheory]
    [InlineData("llama-gpt2bpe4096-tied-f16.gguf", 0)]
    [InlineData("llama-spm2500-f32.gguf", 1)]
    [InlineData("qwen3-bpe3072-tied-f32.gguf", 0)] // stops on <|repo_name|>, an end-of-generation token
    public void Greedy_text_generator_reproduces_llama_completion(string name, int p)
    {
        var model = ReferenceModels.Model(name);
        var prompt = ReferenceModels.ExpectedFor(name).GetProperty("prompts")[p];
        var greedy = prompt.GetProperty("greedy");
        int[] want = ReferenceModels.Ids(greedy.GetProperty("ids"));
        bool stoppedAtEog = greedy.GetProperty("stopped_at_eog").GetBoolean();

        var generator = LlmGeneration.CreateGenerator(model);
        var text = new StringBuilder();
        var tokens = new List<int>();
        FinishReason? finish = null;
        foreach (var piece in generator.Generate(prompt.GetProperty("text").GetString()!, SamplingOptions.Greedy with { MaxTokens = 32 }))
        {
            text.Append(piece.Text);
            if (piece.Token is { } t) tokens.Add(t);
            finish = piece.Finish ?? finish;
        }
        // The generator does not emit the end-of-generation token; llama-completion prints its piece.
        int[] expectedTokens = stoppedAtEog ? want[..^1] : want;
        Assert.Equal(expectedTokens, tokens);
        Assert.Equal(stoppedAtEog ? FinishReason.EndOfSequence : FinishReason.Length, finish);
        string expectedText = greedy.GetProperty("text").GetString()!;
        if (stoppedAtEog) expectedText = expectedText[..^Encoding.UTF8.GetString(model.Tokenizer.TokenBytes(want[^1])).Length];
        Assert.Equal(expectedText, text.ToString());
    }
}
