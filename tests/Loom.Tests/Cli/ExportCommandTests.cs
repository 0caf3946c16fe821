using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Models.Transformer;

namespace Loom.Tests.Cli;

/// <summary>`loom export gguf` on a model `loom train lm` wrote: the file loads in the GGUF engine and greedy-decodes
/// what `loom generate` decodes.</summary>
[Collection(ConsoleCollection.Name)]
public class ExportCommandTests
{
    [Fact]
    public void A_trained_model_exports_and_runs_in_the_gguf_engine_with_the_same_greedy_text()
    {
        using var f = new LmFixture();
        string model = f.Dir.Combine("run");
        Assert.Equal(0, LoomCli.Run(f.Train(model, "--steps", "6")).Code);
        string gguf = f.Dir.Combine("names.gguf");
        var (code, output, error) = LoomCli.Run("export", "gguf", "--model", model, "--out", gguf, "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("F32", (string)json["tensors"]!["blk.0.attn_q.weight"]!["to"]!);
        using (var file = GgufFile.Open(gguf))
        {
            Assert.Equal("llama", file.GetString("general.architecture"));
            Assert.True(file.GetBool("tokenizer.ggml.add_bos_token")); // lines mode: a line starts after the boundary
        }

        // Loom's own KV-cache decoding and the GGUF engine, greedy from the same prompts: the same ids.
        var lm = TransformerLmDirectory.Load(model);
        using var engine = LlmModel.Load(gguf);
        foreach (string prompt in new[] { "em", "li", "o" })
        {
            int[] ids = lm.EncodePrompt(prompt);
            Assert.Equal(ids, engine.Tokenizer.Tokenize(prompt, addSpecial: true, parseSpecial: true));
            var loomIds = LlmGeneration.Greedy(new TransformerLogitSource(lm.Model), ids, 8);
            var ggufIds = LlmGeneration.Greedy(engine.CreateSession(), ids, 8);
            Assert.Equal(loomIds, ggufIds);
        }

        // Every --type writes a file the engine loads; rows of 16 fit no quant block, so they fall back to F16 and say so.
        (code, output, error) = LoomCli.Run("export", "gguf", "--model", model, "--out", f.Dir.Combine("q8.gguf"), "--type", "q8_0", "--json");
        Assert.True(code == 0, error);
        Assert.Equal("F16", (string)JsonNode.Parse(output)!["tensors"]!["blk.0.attn_q.weight"]!["to"]!);
        Assert.Contains("not a multiple", error);
        using (var q8 = LlmModel.Load(f.Dir.Combine("q8.gguf"))) Assert.Equal(engine.Config.VocabSize, q8.Config.VocabSize);
    }

    [Fact]
    public void Run_caps_a_long_declared_context_unless_ctx_asks_for_more()
    {
        using var f = new LmFixture();
        string dir = f.Dir.Combine("long");
        var tokenizer = Loom.Text.Tokenizers.CharTokenizer.Build("abc ");
        var config = new TransformerConfig { VocabSize = tokenizer.VocabSize, ContextLength = 8192, Layers = 1, Heads = 2, KvHeads = 1, ModelDim = 16 };
        TransformerLmDirectory.Save(dir, new TransformerLm(config), tokenizer);
        string gguf = f.Dir.Combine("long.gguf");
        Assert.Equal(0, LoomCli.Run("export", "gguf", "--model", dir, "--out", gguf).Code);
        foreach (var (flags, expected) in new[] { (Array.Empty<string>(), 4096), (["--ctx", "5000"], 5000) })
        {
            var (code, output, error) = LoomCli.Run(["run", gguf, "--prompt", "ab", "--max-tokens", "2", "--json", .. flags]);
            Assert.True(code == 0, error);
            Assert.Equal(expected, (int)JsonNode.Parse(output)!["contextLength"]!);
        }
    }

    [Fact]
    public void Export_errors_are_one_line_and_an_exit_code()
    {
        using var f = new LmFixture();
        var (code, line) = LoomCli.Fail("export", "gguf", "--model", f.Dir.Combine("missing"), "--out", f.Dir.Combine("x.gguf"));
        Assert.Equal((int)LoomErrorCode.FileNotFound, code);
        Assert.Contains("missing", line);
        (code, line) = LoomCli.Fail("export", "gguf", "--model", f.Dir.Combine("missing"), "--out", f.Dir.Combine("x.gguf"), "--type", "q2_k");
        Assert.Equal((int)LoomErrorCode.InvalidArgument, code);
        Assert.False(File.Exists(f.Dir.Combine("x.gguf")));
    }
}
