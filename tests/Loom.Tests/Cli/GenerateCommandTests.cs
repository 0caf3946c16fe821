using System.CommandLine;
using Loom.Cli;
using Loom.Core;
using Loom.Models.Transformer;
using Loom.Nn.Lora;
using Loom.Nn.Optim;
using Loom.Tests.Models.Transformer;
using Loom.Text.Sampling;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Cli;

public class GenerateCommandTests
{
    private static readonly CharTokenizer Tokenizer = CharTokenizer.Build("abcdefgh ", ["\n"]);

    /// <summary>A tiny untrained model saved as a lines-mode model directory (the "\n" boundary is a special token).</summary>
    private static string SaveModel(string root, ulong seed = 1)
    {
        string dir = Path.Combine(root, "model");
        var model = new TransformerLm(TinyModels.Llama(vocab: Tokenizer.VocabSize, context: 32), seed);
        TransformerLmDirectory.Save(dir, model, Tokenizer);
        return dir;
    }

    private static GenerateRequest Request(string model, ulong seed, string prompt = "ab", int n = 2) =>
        new(model, prompt, n, new SamplingOptions { Seed = seed, MaxTokens = 12, Temperature = 1f });

    [Fact]
    public void Seeded_generation_gives_the_same_text_twice_and_streams_it()
    {
        using var dir = new TinyModels.TempDir();
        string model = SaveModel(dir.Path);
        var stream = new StringWriter();
        var first = GenerateCommand.Run(Request(model, seed: 5), stream);
        var second = GenerateCommand.Run(Request(model, seed: 5));
        var other = GenerateCommand.Run(Request(model, seed: 6));

        var texts = first["samples"]!.AsArray().Select(s => (string)s!["text"]!).ToList();
        Assert.Equal(2, texts.Count);
        Assert.Equal(texts, second["samples"]!.AsArray().Select(s => (string)s!["text"]!));
        Assert.NotEqual(texts, other["samples"]!.AsArray().Select(s => (string)s!["text"]!));
        Assert.NotEqual(texts[0], texts[1]); // sample i draws from seed + i
        Assert.Equal(string.Concat(texts.Select(t => "ab" + t + Environment.NewLine)), stream.ToString());
        foreach (var sample in first["samples"]!.AsArray())
        {
            Assert.InRange((int)sample!["completionTokens"]!, 0, 12);
            Assert.Contains((string)sample["finish"]!, new[] { "eos", "length" });
            Assert.DoesNotContain("\n", (string)sample["text"]!); // lines mode: the boundary ends a sample
        }
        Assert.Equal(3, (int)first["promptTokens"]!); // boundary + "ab"
    }

    [Fact]
    public void A_prompt_character_outside_the_vocabulary_is_named()
    {
        using var dir = new TinyModels.TempDir();
        string model = SaveModel(dir.Path);
        var e = Assert.Throws<LoomException>(() => GenerateCommand.Run(Request(model, 1, prompt: "abz")));
        Assert.Equal(LoomErrorCode.InvalidArgument, e.Code);
        Assert.Contains("'z'", e.Message);
        Assert.StartsWith("prompt: ", e.Message);
    }

    [Fact]
    public void A_lora_adapter_changes_the_text_exactly_as_merging_it_would()
    {
        using var dir = new TinyModels.TempDir();
        string baseDir = SaveModel(dir.Path, seed: 2);
        var tuned = TransformerLmDirectory.Load(baseDir).Model;
        tuned.Train();
        Lora.Apply(tuned, rank: 4, alpha: 16, ["q_proj", "v_proj", "up_proj"]);
        var optimizer = new AdamW(Lora.TrainableParameters(tuned), learningRate: 3e-2f);
        var tokens = Tokenizer.Encode("abcabcabcabc");
        for (int step = 0; step < 20; step++)
        {
            optimizer.ZeroGrad();
            tuned.Loss(tokens[..^1], tokens[1..], 1, tokens.Length - 1).Backward();
            optimizer.Step();
        }
        string adapterDir = Path.Combine(dir.Path, "adapter");
        Lora.SaveAdapter(tuned, adapterDir, ["q_proj", "v_proj", "up_proj"]);
        Lora.Merge(tuned);
        string mergedDir = Path.Combine(dir.Path, "merged");
        TransformerLmDirectory.Save(mergedDir, tuned, Tokenizer);

        var greedy = new SamplingOptions { Temperature = 0f, MaxTokens = 10 };
        string Text(string model, string? lora) =>
            (string)GenerateCommand.Run(new GenerateRequest(model, "a", 1, greedy, lora))["samples"]![0]!["text"]!;
        string adapted = Text(baseDir, adapterDir);
        Assert.Equal(Text(mergedDir, null), adapted);
        Assert.NotEqual(Text(baseDir, null), adapted);
    }

    [Fact]
    public void Every_flag_parses()
    {
        var parse = CliApp.BuildRoot().Parse(["generate", "--model", "m", "--prompt", "hi", "--n", "3", "--max-tokens", "5",
            "--temperature", "0.8", "--top-k", "10", "--top-p", "0.9", "--min-p", "0.05", "--repetition-penalty", "1.1",
            "--presence-penalty", "0.5", "--frequency-penalty", "0.2", "--stop", "x", "--stop", "yz", "--seed", "7",
            "--lora", "a", "--threads", "1", "--json"]);
        Assert.Empty(parse.Errors);
        Assert.NotEmpty(CliApp.BuildRoot().Parse(["generate", "--prompt", "hi"]).Errors); // --model is required
    }
}
