using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class HuggingFaceTokenizerTests(TiktokenFixture fixture) : IClassFixture<TiktokenFixture>
{
    // A tiny byte-level BPE: "Ġ" is the space byte; merges a+b, then Ġ+ab.
    private const string Vocab = """{ "a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4 }""";

    private static string TokenizerJson(string merges, string preTokenizer = """{ "type": "ByteLevel", "add_prefix_space": false, "use_regex": true }""",
        string model = "BPE") => $$"""
        {
          "version": "1.0",
          "added_tokens": [ { "id": 5, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true } ],
          "normalizer": null,
          "pre_tokenizer": {{preTokenizer}},
          "decoder": { "type": "ByteLevel" },
          "model": { "type": "{{model}}", "dropout": null, "unk_token": null, "vocab": {{Vocab}}, "merges": {{merges}} }
        }
        """;

    private static ITokenizer LoadJson(string json)
    {
        string dir = Directory.CreateTempSubdirectory("loom-hf").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, TokenizerFile.FileName), json);
            return TokenizerFile.Load(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Merges_load_from_strings_and_from_pairs()
    {
        foreach (string merges in new[] { """["a b", "Ġ ab"]""", """[["a", "b"], ["Ġ", "ab"]]""" })
        {
            var tokenizer = LoadJson(TokenizerJson(merges));
            Assert.Equal([3, 4, 2, 0, 5], tokenizer.Encode("ab ab a<eos>", allowSpecial: true));
            Assert.Equal("ab ab a<eos>", tokenizer.Decode([3, 4, 2, 0, 5]));
            Assert.Equal(6, tokenizer.VocabSize);
        }
    }

    [Fact]
    public void Unsupported_parts_are_refused_with_what_is_supported()
    {
        var model = Assert.Throws<LoomException>(() => LoadJson(TokenizerJson("[]", model: "WordPiece")));
        Assert.Equal(LoomErrorCode.NotSupported, model.Code);
        Assert.Contains("WordPiece", model.Message);
        Assert.Contains("BPE", model.Message);

        var pre = Assert.Throws<LoomException>(() => LoadJson(TokenizerJson("[]", """{ "type": "Metaspace", "replacement": "▁" }""")));
        Assert.Equal(LoomErrorCode.NotSupported, pre.Code);
        Assert.Contains("Metaspace", pre.Message);
        Assert.Contains("supported:", pre.Message);

        var badMerge = Assert.Throws<LoomException>(() => LoadJson(TokenizerJson("""["a c"]""")));
        Assert.Equal(LoomErrorCode.InvalidFormat, badMerge.Code);
        Assert.Contains("merge 0", badMerge.Message);
        var badForm = Assert.Throws<LoomException>(() => LoadJson(TokenizerJson("""["ab"]""")));
        Assert.Contains("merges[0]", badForm.Message);

        Assert.Equal(LoomErrorCode.InvalidFormat, Assert.Throws<LoomException>(() => LoadJson("{ not json")).Code);
        Assert.Equal(LoomErrorCode.FileNotFound,
            Assert.Throws<LoomException>(() => TokenizerFile.Load(Path.Combine(Path.GetTempPath(), "no-such-loom-dir"))).Code);
    }

    [SharedDataFact(TokenizerTestData.TiktokenFolder)]
    public void A_tiktoken_encoding_saved_as_tokenizer_json_keeps_its_ids()
    {
        var r50k = fixture["r50k_base"];
        string dir = Directory.CreateTempSubdirectory("loom-hf").FullName;
        try
        {
            r50k.Save(dir);
            var loaded = Assert.IsType<BpeTokenizer>(TokenizerFile.Load(dir));
            Assert.Equal("tiktoken:r50k_base", loaded.Kind);
            Assert.Equal(MergeRule.ByRank, loaded.Encoder.Rule);
            Assert.Equal(r50k.VocabSize, loaded.VocabSize);
            var vectors = TokenizerTestData.ReadVectors($"{TokenizerTestData.TiktokenFolder}/testvectors.jsonl")
                .Where(v => v.Encoding == "r50k_base").ToList();
            TokenizerTestData.AssertVectors(loaded, vectors, allowSpecial: false);
            // The derived merge list (for other readers) reproduces the ranks: 50,000 merges, the first " t".
            Assert.Equal(50000, loaded.Encoder.Merges.Count);
            Assert.Equal((220, 83), loaded.Encoder.Merges[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
