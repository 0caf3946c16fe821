using System.Text.Json.Nodes;
using Loom.Cli;
using Loom.Core;
using Loom.Inference;
using Loom.Tests.Formats.Gguf;
using Loom.Tests.Training.Trainer;
using Loom.Text.Sampling;

namespace Loom.Tests.Cli;

/// <summary>`loom run`, `loom chat`, `loom logits` and `loom bench llm` on the llama.cpp reference models.</summary>
[Collection(ConsoleCollection.Name)]
public class LlmCommandTests
{
    private static JsonObject Expected(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedGgufFactAttribute.Root!, "expected", name + ".expected.json")))!.AsObject();

    private static int[] Ids(JsonNode node) => [.. node.AsArray().Select(n => (int)n!)];

    [SharedGgufFact]
    public void Logits_top10_is_llama_cpps_for_prompt_0_of_the_f32_models()
    {
        foreach (string name in new[] { "llama-spm2500-f32", "qwen3-bpe3072-tied-f32" })
        {
            var prompt = Expected(name)["prompts"]![0]!;
            var (code, output, error) = LoomCli.Run("logits", SharedGgufFactAttribute.Model(name + ".gguf"), "--prompt", (string)prompt["text"]!, "--top", "10", "--json");
            Assert.True(code == 0, error);
            var json = JsonNode.Parse(output)!;
            Assert.Equal(Ids(prompt["ids"]!), Ids(json["promptIds"]!));
            var top = json["top"]!.AsArray();
            var expected = prompt["top10"]!.AsArray();
            Assert.Equal(expected.Select(e => (int)e!["id"]!), top.Select(t => (int)t!["id"]!));
            for (int i = 0; i < 10; i++)
            {
                double want = (double)expected[i]!["logit"]!, got = (double)top[i]!["logit"]!;
                Assert.True(Math.Abs(want - got) <= 1e-3 * Math.Max(1, Math.Abs(want)), $"{name} top {i}: llama.cpp {want}, loom {got}");
            }
        }
    }

    [SharedGgufFact]
    public void Run_greedy_continues_prompt_0_as_llama_cpp_and_stops_at_end_of_generation()
    {
        var llama = Expected("llama-spm2500-f32")["prompts"]![0]!;
        var (code, output, error) = LoomCli.Run("run", SharedGgufFactAttribute.Model("llama-spm2500-f32.gguf"), "--prompt", (string)llama["text"]!,
            "--temperature", "0", "--max-tokens", "8", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(Ids(llama["greedy"]!["ids"]!)[..8], Ids(json["ids"]!));
        Assert.Equal("length", (string)json["finish"]!);

        // Qwen3 stops on <|repo_name|> (an end-of-generation token) after one token; the streamed text is the prompt and that token.
        var qwen = Expected("qwen3-bpe3072-tied-f32")["prompts"]![0]!;
        (code, output, error) = LoomCli.Run("run", SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-f32.gguf"), "--prompt", (string)qwen["text"]!,
            "--temperature", "0", "--max-tokens", "32");
        Assert.True(code == 0, error);
        int[] greedy = Ids(qwen["greedy"]!["ids"]!);
        Assert.Equal(2, greedy.Length);
        using var model = LlmModel.Load(SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-f32.gguf"));
        Assert.Equal((string)qwen["text"]! + model.Tokenizer.Decode([greedy[0]]) + "\n", output.Replace("\r\n", "\n"));
        Assert.Contains("1 generated", error);
        Assert.Contains("finish eos", error);
    }

    [SharedGgufFact]
    public void Chat_renders_the_history_with_the_models_template_and_streams_each_reply()
    {
        using var model = LlmModel.Load(SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-q8_0.gguf"));
        var output = new StringWriter();
        var log = new StringWriter();
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = 6 };
        var history = ChatCommand.Run(model, new StringReader("hi\n\nhow are you?\n"), output, log, sampling, system: "Be brief.");
        Assert.Equal(["system", "user", "assistant", "user", "assistant"], history.Select(m => m.Role));
        Assert.Equal(history[2].Content + "\n" + history[4].Content + "\n", output.ToString());
        Assert.DoesNotContain("no chat template", log.ToString());

        // The CLI on piped stdin: two turns, exit code 0; a model without a template falls back to chatml and says so.
        var previousIn = Console.In;
        try
        {
            Console.SetIn(new StringReader("hello\nagain\n"));
            var (code, stdout, error) = LoomCli.Run("chat", SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"), "--max-tokens", "4", "--seed", "5");
            Assert.True(code == 0, error);
            Assert.Contains("using 'chatml'", error);
            Assert.True(stdout.Split('\n').Length >= 3);
        }
        finally
        {
            Console.SetIn(previousIn);
        }
        var (failCode, line) = LoomCli.Fail("chat", SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"), "--template", "nope");
        Assert.Equal((int)LoomErrorCode.InvalidArgument, failCode);
        Assert.Contains("chatml", line);
    }

    [SharedGgufFact]
    public void A_chat_session_reuses_the_cached_prefix_and_gives_the_logits_of_a_fresh_run()
    {
        using var model = LlmModel.Load(SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-f32.gguf"), contextLength: 128);
        int[] first = model.Tokenizer.Tokenize("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", addSpecial: true, parseSpecial: true);
        int[] second = [.. first, 100, 200, .. model.Tokenizer.Tokenize("<|im_end|>\n<|im_start|>user\nmore", addSpecial: false, parseSpecial: true)];
        var cached = new PrefixReusingSession(model.CreateSession());
        cached.Forward(first);
        cached.Forward([100]);
        cached.Forward([300]); // a token the next sequence does not share
        cached.Reset();
        float[] reused = cached.Forward(second).ToArray();
        Assert.Equal(first.Length + 1, cached.ReusedTokens);
        float[] fresh = model.CreateSession().Forward(second).ToArray();
        AssertClose(fresh, reused);
        // The same sequence again: everything but its last token comes from the cache (that token now goes through
        // the single-token path, so the logits agree to float rounding, not bit for bit).
        cached.Reset();
        AssertClose(fresh, cached.Forward(second).ToArray());
        Assert.Equal(second.Length - 1, cached.ReusedTokens);
        cached.Reset();
        cached.Forward([7, 8]);
        Assert.Equal(0, cached.ReusedTokens);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected[i])), $"logit {i}: {expected[i]} vs {actual[i]}");
    }

    [SharedGgufFact]
    public void Bench_llm_reports_prompt_and_generation_tokens_per_second_over_the_repetitions()
    {
        var (code, output, error) = LoomCli.Run("bench", "llm", SharedGgufFactAttribute.Model("llama-spm2500-q4_0.gguf"),
            "--prompt-tokens", "16", "--gen-tokens", "4", "--repetitions", "2", "--threads", "1", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(2, json["promptSamples"]!.AsArray().Count);
        Assert.Equal(2, json["generationSamples"]!.AsArray().Count);
        Assert.True((double)json["promptTokensPerSecond"]! > 0);
        Assert.True((double)json["generationTokensPerSecond"]! > 0);
        Assert.True((double)json["generationTokensPerSecondStddev"]! >= 0);
        Assert.Equal(1, (int)json["threads"]!);
        (code, output, _) = LoomCli.Run("bench", "llm", SharedGgufFactAttribute.Model("llama-spm2500-q4_0.gguf"), "--prompt-tokens", "8", "--gen-tokens", "0", "--repetitions", "1");
        Assert.Equal(0, code);
        Assert.Contains("pp8", output);
        Assert.DoesNotContain("tg", output);
    }

    [Fact]
    public void A_bad_file_is_one_line_and_an_exit_code_for_every_verb()
    {
        using var dir = new TempDirectory();
        string bad = dir.Combine("bad.gguf");
        File.WriteAllBytes(bad, [.. "GGUF"u8, 3, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
        foreach (string[] args in new[]
        {
            new[] { "run", bad, "--prompt", "hi" }, ["logits", bad, "--prompt", "hi"], ["chat", bad], ["bench", "llm", bad, "--prompt-tokens", "4"],
        })
        {
            var (code, line) = LoomCli.Fail(args);
            Assert.NotEqual(0, code);
            Assert.Contains("bad.gguf", line);
        }
        Assert.Equal((int)LoomErrorCode.FileNotFound, LoomCli.Fail("run", dir.Combine("none.gguf"), "--prompt", "hi").Code);
    }
}
