using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;
using Loom.Models.Transformer;
using Loom.Tests.Formats.Gguf;
using Loom.Tests.Training.Trainer;

namespace Loom.Tests.Cli;

/// <summary>`loom quantize` against llama-quantize's output of the same source files.</summary>
[Collection(ConsoleCollection.Name)]
public class QuantizeCommandTests
{
    private static JsonObject ExpectedTensors(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SharedGgufFactAttribute.Root!, "expected", name + ".expected.json")))!["model"]!["tensors"]!.AsObject();

    [SharedGgufFact]
    public void Q8_0_and_Q4_0_of_the_F32_file_match_llama_quantize_per_tensor_and_byte_for_byte()
    {
        using var dir = new TempDirectory();
        foreach (string type in new[] { "q8_0", "q4_0" })
        {
            string output = dir.Combine($"spm-{type}.gguf"), reference = SharedGgufFactAttribute.Model($"llama-spm2500-{type}.gguf");
            var (code, stdout, error) = LoomCli.Run("quantize", SharedGgufFactAttribute.Model("llama-spm2500-f32.gguf"), output, "--type", type, "--json");
            Assert.True(code == 0, error);
            Assert.Equal(type, (string)JsonNode.Parse(stdout)!["type"]!);
            using (var mine = GgufFile.Open(output))
            using (var theirs = GgufFile.Open(reference))
            {
                Assert.Equal(theirs.Tensors.Select(t => t.Name), mine.Tensors.Select(t => t.Name));
                foreach (var t in theirs.Tensors)
                {
                    Assert.Equal(t.Type, mine.GetTensor(t.Name).Type);
                    Assert.True(theirs.GetTensorBytes(t).SequenceEqual(mine.GetTensorBytes(t.Name)), $"{type} '{t.Name}'");
                }
                Assert.Equal(2u, mine.GetUInt32("general.quantization_version"));
                Assert.Equal(theirs.GetUInt32("general.file_type"), mine.GetUInt32("general.file_type"));
                Assert.Equal(theirs.Metadata.Select(kv => kv.Key), mine.Metadata.Select(kv => kv.Key));
            }
            // Metadata order, tensor order and padding as llama-quantize writes them: the whole file is the same.
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(reference)), SHA256.HashData(File.ReadAllBytes(output)));
        }
    }

    [SharedGgufFact]
    public void The_chosen_types_are_llama_quantizes_mix_for_every_reference_file()
    {
        foreach (var (source, prefix) in new[] { ("llama-spm2500-f32", "llama-spm2500"), ("llama-gpt2bpe4096-tied-f16", "llama-gpt2bpe4096-tied"), ("qwen3-bpe3072-tied-f32", "qwen3-bpe3072-tied") })
        {
            using var file = GgufFile.Open(SharedGgufFactAttribute.Model(source + ".gguf"));
            var shapes = file.Tensors.OrderBy(t => t.Name, Comparer<string>.Create(GgufQuantizer.CompareTensorNames))
                .Select(t => new GgufTensorShape(t.Name, t.Dimensions, t.Type)).ToList();
            foreach (var q in new[] { GgufQuantization.Q8_0, GgufQuantization.Q4_0, GgufQuantization.Q4_K_M })
            {
                var expected = ExpectedTensors($"{prefix}-{q.Name}");
                var choices = GgufTensorTypeRules.Choose(shapes, q, GgufQuantizer.LayerCount(file));
                // The expected JSON lists tensors in the quantized file's order, which is the order Loom sorts to.
                Assert.Equal(expected.Select(kv => kv.Key), choices.Select(c => c.Tensor.Name));
                foreach (var choice in choices)
                    Assert.Equal(((string)expected[choice.Tensor.Name]!).Split(' ')[0], choice.Target.ToString());
                Assert.All(choices, c => Assert.Null(c.Fallback));
            }
        }
    }

    [Fact]
    public void Q4_K_M_gives_Q6_K_to_attn_v_and_ffn_down_in_the_layers_use_more_bits_picks()
    {
        // 32 layers (Llama 2 7B): the first and last four, and every third one from layer 6.
        int[] picked = [.. Enumerable.Range(0, 32).Where(i => GgufTensorTypeRules.UseMoreBits(i, 32))];
        Assert.Equal([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31], picked);
        var shapes = new List<GgufTensorShape> { new("token_embd.weight", [512, 100], GgmlType.F32) };
        for (int i = 0; i < 4; i++)
        {
            shapes.Add(new($"blk.{i}.attn_norm.weight", [512], GgmlType.F32));
            shapes.Add(new($"blk.{i}.attn_v.weight", [512, 128], GgmlType.F32));
            shapes.Add(new($"blk.{i}.ffn_down.weight", [1024, 512], GgmlType.F32));
            shapes.Add(new($"blk.{i}.ffn_up.weight", [512, 1024], GgmlType.F32));
        }
        var types = GgufTensorTypeRules.Choose(shapes, GgufQuantization.Q4_K_M, 4).ToDictionary(c => c.Tensor.Name, c => c.Target);
        Assert.Equal(GgmlType.Q6_K, types["token_embd.weight"]); // tied: the embedding is the output
        Assert.Equal(GgmlType.F32, types["blk.0.attn_norm.weight"]);
        foreach (int layer in new[] { 0, 1, 2, 3 })
        {
            var expected = GgufTensorTypeRules.UseMoreBits(layer, 4) ? GgmlType.Q6_K : GgmlType.Q4_K;
            Assert.Equal(expected, types[$"blk.{layer}.attn_v.weight"]);
            Assert.Equal(expected, types[$"blk.{layer}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, types[$"blk.{layer}.ffn_up.weight"]);
        }
        // Rows of 96 cannot hold Q4_K's 256-element blocks: Q4_0 (Loom's fallback), named in the choice.
        var narrow = GgufTensorTypeRules.Choose([new("blk.0.ffn_up.weight", [96, 8], GgmlType.F32)], GgufQuantization.Q4_K_M, 1)[0];
        Assert.Equal(GgmlType.Q4_0, narrow.Target);
        Assert.Contains("not a multiple", narrow.Fallback);
    }

    [SharedGgufFact]
    public void A_quantized_input_is_copied_when_the_type_stays_and_requantized_with_a_warning_when_it_changes()
    {
        using var dir = new TempDirectory();
        string input = SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"), same = dir.Combine("same.gguf"), q4 = dir.Combine("q4.gguf");
        var (code, _, error) = LoomCli.Run("quantize", input, same, "--type", "q8_0");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("warning", error);
        // Already Q8_0 and already in llama-quantize's layout: the file comes back unchanged.
        Assert.Equal(File.ReadAllBytes(input), File.ReadAllBytes(same));

        (code, _, error) = LoomCli.Run("quantize", input, q4, "--type", "q4_0");
        Assert.True(code == 0, error);
        Assert.Contains("warning: blk.0.attn_q.weight: requantized from Q8_0 to Q4_0", error);
        using var source = GgufFile.Open(input);
        using var file = GgufFile.Open(q4);
        Assert.Equal(GgmlType.Q6_K, file.GetTensor("output.weight").Type);
        Assert.Equal(GgmlType.Q4_0, file.GetTensor("token_embd.weight").Type);
        // Each Q4_0 row is the Q4_0 quantization of the dequantized Q8_0 row.
        var t = source.GetTensor("blk.1.ffn_down.weight");
        float[] values = source.ReadTensorAsFloat32(t.Name);
        var expected = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q4_0, values.Length)];
        Quantize.Row(GgmlType.Q4_0, values, expected);
        Assert.True(file.GetTensorBytes(t.Name).SequenceEqual(expected));
    }

    [SharedGgufFact]
    public void Bad_input_is_one_line_and_an_exit_code_and_leaves_no_output()
    {
        using var dir = new TempDirectory();
        string output = dir.Combine("out.gguf");
        var (code, line) = LoomCli.Fail("quantize", SharedGgufFactAttribute.Model("llama-spm2500-f32.gguf"), output, "--type", "q3_k_s");
        Assert.Equal((int)LoomErrorCode.InvalidArgument, code);
        Assert.Contains("q4_k_m", line);
        string truncated = dir.Combine("truncated.gguf");
        File.WriteAllBytes(truncated, File.ReadAllBytes(SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"))[..100_000]);
        (code, line) = LoomCli.Fail("quantize", truncated, output, "--type", "q8_0");
        Assert.Equal((int)LoomErrorCode.InvalidFormat, code);
        Assert.Contains("truncated.gguf", line);
        Assert.False(File.Exists(output));
    }
}
