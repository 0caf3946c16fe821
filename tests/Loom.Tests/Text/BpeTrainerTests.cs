using System.Text;
using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class BpeTrainerTests
{
    /// <summary>A few kilobytes of word salad with repeats, numbers, punctuation and an end-of-text marker.</summary>
    private static string Corpus()
    {
        string[] words = ["the", "whale", "ship", "sea", "captain", "Ahab", "harpoon", "white", "deep", "sailor", "1851",
            "naïve", "日本語", "ship's", "—", "!"];
        var random = new LoomRandom(42);
        var text = new StringBuilder();
        for (int line = 0; line < 120; line++)
        {
            int count = 3 + random.NextInt(8);
            for (int i = 0; i < count; i++) text.Append(i == 0 ? "" : " ").Append(words[random.NextInt(words.Length)]);
            text.Append(line % 10 == 9 ? "<|endoftext|>" : ".\n");
        }
        return text.ToString();
    }

    private static readonly BpeTrainerOptions Options = new() { VocabSize = 300, SpecialTokens = ["<|endoftext|>"] };

    [Fact]
    public void Reaches_the_target_vocabulary_with_specials_last()
    {
        var tokenizer = BpeTrainer.Train(Corpus(), Options);
        Assert.Equal(300, tokenizer.VocabSize);
        Assert.Equal("bpe", tokenizer.Kind);
        Assert.Equal(299, tokenizer.SpecialTokens["<|endoftext|>"]);
        Assert.True(tokenizer.Encoder.Merges.Count >= 300 - 257);
        // The merges compress the text they were trained on; the special token's text was cut out, not learned.
        string corpus = Corpus();
        Assert.True(tokenizer.Encode(corpus, allowSpecial: true).Length * 2 < Encoding.UTF8.GetByteCount(corpus));
        Assert.Equal([299], tokenizer.Encode("<|endoftext|>", allowSpecial: true));
        for (int id = 256; id < 299; id++)
            Assert.DoesNotContain("endoftext", Encoding.UTF8.GetString(tokenizer.TokenBytes(id)));
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var a = BpeTrainer.Train(Corpus(), Options);
        var b = BpeTrainer.Train(Corpus(), Options);
        Assert.Equal(a.Encoder.Merges, b.Encoder.Merges);
        string sample = "the captain's whale, 1851";
        Assert.Equal(a.Encode(sample), b.Encode(sample));
    }

    [Fact]
    public void Any_text_round_trips()
    {
        var tokenizer = BpeTrainer.Train(Corpus(), Options);
        var random = new LoomRandom(9);
        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal("", tokenizer.Decode([]));
        foreach (string fixedText in new[] { "😀🎉 emoji", "中文 한국어 日本語", "\0\u0001\t\r\n\u007f", "e\u0301", "   " })
            Assert.Equal(fixedText, tokenizer.Decode(tokenizer.Encode(fixedText)));
        for (int i = 0; i < 200; i++)
        {
            string text = TokenizerTestData.RandomText(random, 40);
            int[] ids = tokenizer.Encode(text);
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void A_vocabulary_larger_than_the_data_allows_says_how_many_merges_it_allows()
    {
        var e = Assert.Throws<LoomException>(() => BpeTrainer.Train("abab abab abab", new BpeTrainerOptions { VocabSize = 1000 }));
        Assert.Equal(LoomErrorCode.InvalidArgument, e.Code);
        Assert.Contains("allows only", e.Message);
        Assert.Contains("744 merges", e.Message);
        Assert.Throws<LoomException>(() => BpeTrainer.Train("abc", new BpeTrainerOptions { VocabSize = 100 }));
        Assert.Throws<LoomException>(() => BpeTrainer.Train("", new BpeTrainerOptions { VocabSize = 300 }));
    }

    [Fact]
    public void Corpus_file_must_be_utf8()
    {
        string dir = Directory.CreateTempSubdirectory("loom-bpe").FullName;
        try
        {
            string file = Path.Combine(dir, "binary.txt");
            File.WriteAllBytes(file, [0x61, 0x62, 0xFF, 0xFE, 0x00, 0x80]);
            var e = Assert.Throws<LoomException>(() => BpeTrainer.TrainFile(file, new BpeTrainerOptions { VocabSize = 260 }));
            Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
            Assert.Contains("UTF-8", e.Message);
            Assert.Equal(LoomErrorCode.FileNotFound,
                Assert.Throws<LoomException>(() => BpeTrainer.TrainFile(Path.Combine(dir, "missing.txt"), Options)).Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Saved_vocabulary_loads_as_the_same_tokenizer()
    {
        var tokenizer = BpeTrainer.Train(Corpus(), Options);
        string dir = Directory.CreateTempSubdirectory("loom-bpe").FullName;
        try
        {
            tokenizer.Save(dir);
            var loaded = Assert.IsType<BpeTokenizer>(TokenizerFile.Load(dir));
            Assert.Equal("bpe", loaded.Kind);
            Assert.Equal(tokenizer.VocabSize, loaded.VocabSize);
            Assert.Equal(tokenizer.SpecialTokens, loaded.SpecialTokens);
            Assert.Equal(tokenizer.Encoder.Merges, loaded.Encoder.Merges);
            Assert.Equal(tokenizer.PreTokenizer.Pattern, loaded.PreTokenizer.Pattern);
            var random = new LoomRandom(2);
            for (int i = 0; i < 50; i++)
            {
                string text = TokenizerTestData.RandomText(random, 30) + "<|endoftext|> the whale";
                Assert.Equal(tokenizer.Encode(text, allowSpecial: true), loaded.Encode(text, allowSpecial: true));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
