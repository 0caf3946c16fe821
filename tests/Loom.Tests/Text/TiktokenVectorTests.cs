using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class TiktokenVectorTests(TiktokenFixture fixture) : IClassFixture<TiktokenFixture>
{
    private const string Folder = TokenizerTestData.TiktokenFolder;

    /// <summary>testvectors.jsonl and testplans.jsonl (same layout) for one encoding, special-token text as plain text.</summary>
    private void AssertAllVectors(string encoding)
    {
        var vectors = TokenizerTestData.ReadVectors($"{Folder}/testvectors.jsonl")
            .Concat(TokenizerTestData.ReadVectors($"{Folder}/testplans.jsonl"))
            .Where(v => v.Encoding == encoding).ToList();
        TokenizerTestData.AssertVectors(fixture[encoding], vectors, allowSpecial: false);
    }

    [SharedDataFact(Folder)] public void Every_r50k_vector_matches() => AssertAllVectors("r50k_base");

    [SharedDataFact(Folder)] public void Every_cl100k_vector_matches() => AssertAllVectors("cl100k_base");

    [SharedDataFact(Folder)] public void Every_o200k_vector_matches() => AssertAllVectors("o200k_base");

    [SharedDataFact(Folder)]
    public void Vocabulary_sizes_and_special_tokens_match_tiktoken()
    {
        Assert.Equal(50257, fixture["r50k_base"].VocabSize);
        Assert.Equal(100277, fixture["cl100k_base"].VocabSize);
        Assert.Equal(200019, fixture["o200k_base"].VocabSize);
        var cl100k = fixture["cl100k_base"];
        Assert.Equal([100257], cl100k.Encode("<|endoftext|>", allowSpecial: true));
        Assert.Equal([100258, 64, 100260, 100259], cl100k.Encode("<|fim_prefix|>a<|fim_suffix|><|fim_middle|>", allowSpecial: true));
        Assert.Equal([100276], cl100k.Encode("<|endofprompt|>", allowSpecial: true));
        Assert.Equal([199999], fixture["o200k_base"].Encode("<|endoftext|>", allowSpecial: true));
        Assert.Equal([200018], fixture["o200k_base"].Encode("<|endofprompt|>", allowSpecial: true));
        Assert.Equal([50256], fixture["r50k_base"].Encode("<|endoftext|>", allowSpecial: true));
        Assert.Equal("<|endoftext|>", cl100k.Decode([100257]));
        Assert.Equal(7, cl100k.Encode("<|endoftext|>").Length); // not allowed: plain text
    }

    [SharedDataFact(Folder)]
    public void Random_text_round_trips_through_every_encoding()
    {
        var random = new LoomRandom(11);
        foreach (var encoding in TiktokenEncoding.Known)
        {
            for (int i = 0; i < 40; i++)
            {
                string text = TokenizerTestData.RandomText(random, 60);
                Assert.Equal(text, fixture[encoding.Name].Decode(fixture[encoding.Name].Encode(text)));
            }
        }
    }

    [SharedDataFact(Folder)]
    public void A_piece_longer_than_the_stack_path_merges_like_the_reference()
    {
        // One pre-token of several hundred bytes takes the heap-based merge loop; compare with a naive BPE.
        var random = new LoomRandom(5);
        var cl100k = fixture["cl100k_base"];
        foreach (int length in new[] { 150, 250, 400 })
        {
            var letters = new char[length];
            for (int i = 0; i < length; i++) letters[i] = (char)('a' + random.NextInt(26));
            string word = new(letters);
            Assert.Equal(NaiveBpe.Encode(cl100k.Encoder, System.Text.Encoding.UTF8.GetBytes(word)), cl100k.Encode(word));
        }
        string spaces = new(' ', 300); // one whitespace piece, merged by the heap
        Assert.Equal(NaiveBpe.Encode(cl100k.Encoder, System.Text.Encoding.UTF8.GetBytes(spaces)), cl100k.Encode(spaces));
    }

    [Fact]
    public void Rank_file_errors_name_the_file_and_line()
    {
        string dir = Directory.CreateTempSubdirectory("loom-tiktoken").FullName;
        try
        {
            string file = Path.Combine(dir, "bad.tiktoken");
            File.WriteAllText(file, "YQ== 0\nYg== x\n");
            var e = Assert.Throws<LoomException>(() => TiktokenLoader.ReadRanks(file));
            Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
            Assert.Contains("line 2", e.Message);
            Assert.Contains(file, e.Message);

            File.WriteAllText(file, "YQ== 0\nYQ== 1\n");
            Assert.Contains("same bytes", Assert.Throws<LoomException>(() => TiktokenLoader.Load(file, TiktokenEncoding.R50kBase)).Message);

            var unknown = Assert.Throws<LoomException>(() => TiktokenEncoding.ForName("p99k"));
            Assert.Equal(LoomErrorCode.NotSupported, unknown.Code);
            Assert.Contains("cl100k_base", unknown.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
