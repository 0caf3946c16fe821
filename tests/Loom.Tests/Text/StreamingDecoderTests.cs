using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class StreamingDecoderTests
{
    // No merges: every byte is its own token, so every multi-byte character arrives split.
    private static readonly BpeTokenizer Bytes = BpeTrainer.Train("x", new BpeTrainerOptions { VocabSize = 256 });

    [Fact]
    public void Emits_a_character_only_once_all_its_bytes_arrived()
    {
        var decoder = new StreamingDecoder(Bytes);
        int[] ids = Bytes.Encode("a😀é");
        Assert.Equal(7, ids.Length);
        string[] pieces = [.. ids.Select(decoder.Push)];
        Assert.Equal(["a", "", "", "", "😀", "", "é"], pieces);
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Flush_turns_an_unfinished_character_into_a_replacement()
    {
        var decoder = new StreamingDecoder(Bytes);
        int[] ids = Bytes.Encode("中");
        Assert.Equal("", decoder.Push(ids.AsSpan(0, 2)));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("b", decoder.Push(Bytes.Encode("b")[0])); // usable again after a flush
    }

    [Fact]
    public void Streamed_text_equals_decoded_text()
    {
        var tokenizer = BpeTrainer.Train("the whale and the sea, the whale! 😀😀 中文中文", new BpeTrainerOptions
        {
            VocabSize = 270, MinPairFrequency = 1,
        });
        var random = new LoomRandom(4);
        for (int i = 0; i < 100; i++)
        {
            string text = TokenizerTestData.RandomText(random, 30);
            var decoder = new StreamingDecoder(tokenizer);
            int[] ids = tokenizer.Encode(text);
            string streamed = string.Concat(ids.Select(decoder.Push)) + decoder.Flush();
            Assert.Equal(text, streamed);
        }
    }
}
