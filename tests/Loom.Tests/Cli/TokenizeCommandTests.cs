using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Tests.Formats.Gguf;
using Loom.Tests.Training.Trainer;

namespace Loom.Tests.Cli;

/// <summary>`loom tokenize` against llama-tokenize's ids in the reference JSON (string 13 holds special-token text,
/// so the three settings differ).</summary>
[Collection(ConsoleCollection.Name)]
public class TokenizeCommandTests
{
    private static JsonObject Expected(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedGgufFactAttribute.Root!, "expected", name + ".expected.json")))!.AsObject();

    private static int[] Ids(JsonNode node) => [.. node.AsArray().Select(n => (int)n!)];

    [SharedGgufFact]
    public void Tokenize_json_gives_llama_cpp_ids_under_all_three_settings()
    {
        foreach (var (file, name) in new[] { ("vocab/vocab-llama-spm-32000.gguf", "vocab-llama-spm-32000"), ("models/qwen3-bpe3072-tied-f32.gguf", "qwen3-bpe3072-tied-f32") })
        {
            var expected = Expected(name)["tokenize"]![13]!;
            string path = Path.Combine(SharedGgufFactAttribute.Root!, file), text = (string)expected["text"]!;
            foreach (var (flags, key) in new[] { (new[] { "--no-bos", "--no-parse-special" }, "ids"), (["--no-bos"], "ids_special"), ([], "ids_bos_special") })
            {
                var (code, output, error) = LoomCli.Run(["tokenize", path, "--text", text, "--json", .. flags]);
                Assert.True(code == 0, error);
                var json = JsonNode.Parse(output)!.AsObject();
                Assert.Equal(Ids(expected[key]!), Ids(json["ids"]!));
                Assert.Equal(json["ids"]!.AsArray().Count, json["pieces"]!.AsArray().Count);
            }
        }
    }

    [SharedGgufFact]
    public void Tokenize_prints_ids_and_pieces_with_special_tokens_rendered()
    {
        string path = SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-f32.gguf");
        var (code, output, _) = LoomCli.Run("tokenize", path, "--text", "<|im_start|>user\nhi");
        Assert.Equal(0, code);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("  3047 -> '<|im_start|>'", lines[0]);
        Assert.Equal("   872 -> 'user'", lines[1]);
    }

    [Fact]
    public void Tokenize_a_file_that_is_not_gguf_is_one_line_and_an_exit_code()
    {
        using var dir = new TempDirectory();
        string bad = dir.Combine("bad.gguf");
        File.WriteAllText(bad, "this is not a GGUF file at all, just text");
        var (code, line) = LoomCli.Fail("tokenize", bad, "--text", "hi");
        Assert.Equal((int)LoomErrorCode.InvalidFormat, code);
        Assert.Contains("bad.gguf", line);
        (code, _) = LoomCli.Fail("tokenize", dir.Combine("missing.gguf"), "--text", "hi");
        Assert.Equal((int)LoomErrorCode.FileNotFound, code);
    }
}
