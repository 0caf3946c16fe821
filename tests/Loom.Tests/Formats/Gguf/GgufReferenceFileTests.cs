using System.Text.Json;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Formats.Gguf;

/// <summary>The reader on llama.cpp's files: header fields, metadata types and the tensor table against the
/// expected JSON written by the reference tooling.</summary>
public class GgufReferenceFileTests
{
    [SharedGgufFact]
    public void TensorTablesMatchTheExpectedJson()
    {
        foreach (string path in Directory.EnumerateFiles(Path.Combine(SharedGgufFactAttribute.Root!, "models"), "*.gguf"))
        {
            using var file = GgufFile.Open(path);
            string json = Path.Combine(SharedGgufFactAttribute.Root!, "expected", Path.GetFileNameWithoutExtension(path) + ".expected.json");
            using var expected = JsonDocument.Parse(File.ReadAllText(json));
            var tensors = expected.RootElement.GetProperty("model").GetProperty("tensors");
            Assert.Equal(tensors.EnumerateObject().Count(), file.Tensors.Count);
            foreach (var t in tensors.EnumerateObject())
            {
                var info = file.GetTensor(t.Name);
                Assert.Equal(t.Value.GetString(), $"{info.Type} [{string.Join(",", info.Dimensions)}]");
            }
            Assert.Equal(3u, file.Version);
            Assert.Equal(32u, file.Alignment);
            Assert.Equal(0, file.DataStart % 32);
            Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 32));
            Assert.Equal(expected.RootElement.GetProperty("model").GetProperty("arch").GetString(), file.GetString("general.architecture"));
        }
    }

    [SharedGgufFact]
    public void MetadataOfTheLlamaQ4_0File()
    {
        using var file = GgufFile.Open(SharedGgufFactAttribute.Model("llama-spm2500-q4_0.gguf"));
        Assert.Equal(24, file.Metadata.Count);
        Assert.Equal("general.architecture", file.Metadata[0].Key);
        Assert.Equal("general.file_type", file.Metadata[^1].Key); // llama-quantize moves it last
        Assert.Equal(2u, file.GetUInt32("general.quantization_version"));
        Assert.Equal(2500u, file.GetUInt32("llama.vocab_size"));
        Assert.Equal(10000f, file.GetFloat32("llama.rope.freq_base"));
        Assert.Equal(1e-5f, file.GetFloat32("llama.attention.layer_norm_rms_epsilon"));
        Assert.True(file.GetBool("tokenizer.ggml.add_bos_token"));
        string[] tokens = file.GetArray<string>("tokenizer.ggml.tokens");
        Assert.Equal(2500, tokens.Length);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], tokens[..4]);
        Assert.Equal([2, 3, 3, 6], file.GetArray<int>("tokenizer.ggml.token_type")[..4]);
        Assert.Equal(2500, file.GetArray<float>("tokenizer.ggml.scores").Length);
        Assert.Equal(GgmlType.Q6_K, file.GetTensor("output.weight").Type);
        Assert.Equal([256L, 2500L], file.GetTensor("token_embd.weight").Dimensions);
        Assert.Equal(53440, file.DataStart);
        Assert.Equal(526048, file.GetTensor("token_embd.weight").Offset);
        Assert.Equal(2500 * 256 / 32 * 18, file.GetTensorBytes("token_embd.weight").Length);
        Assert.Contains("token_embd.weight", file.Describe());
        Assert.Contains("tokenizer.ggml.tokens (array) = string[2500] [\"<unk>\"", file.Describe());
    }

    [SharedGgufFact]
    public void VocabularyOnlyFilesHaveNoTensors()
    {
        using var file = GgufFile.Open(Path.Combine(SharedGgufFactAttribute.Root!, "vocab", "vocab-qwen3-151669.gguf"));
        Assert.Empty(file.Tensors);
        Assert.Equal("qwen3", file.GetString("general.architecture"));
        Assert.Equal(151669, file.GetArray<string>("tokenizer.ggml.tokens").Length);
        Assert.Equal("gpt2", file.GetString("tokenizer.ggml.model"));
    }

    [SharedGgufFact]
    public void TensorBytesAreTheFileBytesAtTheDataOffset()
    {
        string path = SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf");
        byte[] raw = File.ReadAllBytes(path);
        using var file = GgufFile.Open(path);
        foreach (var t in file.Tensors)
            Assert.True(file.GetTensorBytes(t).SequenceEqual(raw.AsSpan((int)t.DataOffset, (int)t.ByteSize)), t.Name);
    }

    [SharedGgufFact]
    public void DisposedFileRefusesSpans()
    {
        var file = GgufFile.Open(SharedGgufFactAttribute.Model("llama-spm2500-q8_0.gguf"));
        var tensor = file.Tensors[0];
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.GetTensorBytes(tensor).Length);
    }
}
