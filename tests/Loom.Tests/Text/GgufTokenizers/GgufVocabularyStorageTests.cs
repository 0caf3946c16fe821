using System.Text;
using Loom.Formats.Gguf;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Tests.Text.GgufTokenizers;

/// <summary>
/// The vocabulary kept as one text buffer with an id index (not a string per token and a dictionary): lookups give
/// llama.cpp's ids (a text held twice maps to the later id, empty texts get their stand-in), every piece is the
/// token's own bytes, and building a 32k vocabulary's tokenizer allocates a fraction of what it did.
/// </summary>
public sealed class GgufVocabularyStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loom-gguf-vocab").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private GgufTokenizer Spm(string[] tokens)
    {
        string path = Path.Combine(_dir, "spm.gguf");
        new GgufWriter()
            .Set("tokenizer.ggml.model", GgufValue.String("llama"))
            .Set("tokenizer.ggml.tokens", GgufValue.Array(tokens))
            .Set("tokenizer.ggml.scores", GgufValue.Array(tokens.Select((_, i) => -(float)i).ToArray()))
            .Set("tokenizer.ggml.token_type", GgufValue.Array(tokens.Select(t => t.StartsWith("<0x", StringComparison.Ordinal) ? 6 : 1).ToArray()))
            .Set("tokenizer.ggml.bos_token_id", GgufValue.UInt32(0))
            .Set("tokenizer.ggml.eos_token_id", GgufValue.UInt32(0))
            .Set("tokenizer.ggml.unknown_token_id", GgufValue.UInt32(0))
            .Write(path);
        using var file = GgufFile.Open(path);
        return GgufTokenizer.FromGguf(file);
    }

    [Fact]
    public void LookupsGiveTheLastIdOfATextAndEmptyTextsTheirStandIn()
    {
        // Many texts, so the index's probing crosses occupied runs; "dup" at ids 3 and 7.
        string[] tokens = ["<unk>", "▁a", "", "dup", "ü▁b", "🎉", "x", "dup", .. Enumerable.Range(0, 3000).Select(i => $"w{i}")];
        var tokenizer = Spm(tokens);
        var vocabulary = tokenizer.Vocabulary;
        Assert.Equal(7, vocabulary.FindToken("dup"));
        Assert.Equal("[EMPTY_2]", vocabulary.Tokens[2]);
        Assert.Equal(2, vocabulary.FindToken("[EMPTY_2]"));
        Assert.Equal(-1, vocabulary.FindToken(""));
        Assert.Equal(-1, vocabulary.FindToken("w3000"));
        Assert.Equal(-1, vocabulary.FindToken("dupe"));
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] is not ("" or "dup"))
            {
                Assert.Equal(i, vocabulary.FindToken(tokens[i]));
                Assert.Equal(tokens[i], vocabulary.Tokens[i]);
                // SentencePiece pieces: the text's UTF-8 with ▁ as a space.
                Assert.Equal(Encoding.UTF8.GetBytes(tokens[i].Replace('▁', ' ')), tokenizer.TokenBytes(i).ToArray());
            }
        Assert.Equal(tokens.Length, vocabulary.Tokens.Count);
        Assert.Equal(tokens.Length, tokenizer.VocabSize);
        Assert.Equal([1, 6], tokenizer.Tokenize("ax", addSpecial: false, parseSpecial: false));
    }

    [SharedGgufTokenizerFact]
    public void A32kSentencePieceTokenizerBuildsWithLittleAllocation()
    {
        string path = Path.Combine(SharedGgufTokenizerFactAttribute.Root!, "vocab", "vocab-llama-spm-32000.gguf");
        using var file = GgufFile.Open(path);
        GgufTokenizer.FromGguf(file); // JIT out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        var tokenizer = GgufTokenizer.FromGguf(file);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Strings, a dictionary and a byte[] per piece took 9.3 MiB to build (4.4 MiB kept); the buffers ~1.9 MiB.
        Assert.True(allocated < 3 << 20, $"building the tokenizer allocated {allocated} bytes");
        Assert.Equal(32000, tokenizer.VocabSize);
    }
}
