using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public sealed class QwenFixture
{
    private readonly Lazy<ITokenizer> _tokenizer =
        new(() => TokenizerFile.Load(TokenizerTestData.SharedPath(TokenizerTestData.QwenFolder)));

    public ITokenizer Tokenizer => _tokenizer.Value;
}

public class QwenVectorTests(QwenFixture fixture) : IClassFixture<QwenFixture>
{
    private const string Folder = TokenizerTestData.QwenFolder;

    [SharedDataFact(Folder)]
    public void Every_qwen3_vector_matches()
    {
        // Hugging Face always matches added tokens, so the vectors encode "<|im_start|>" as one id.
        var vectors = TokenizerTestData.ReadVectors($"{Folder}/testvectors.jsonl");
        TokenizerTestData.AssertVectors(fixture.Tokenizer, vectors, allowSpecial: true);
        Assert.Contains(vectors, v => !v.RoundTrip); // the NFC case: decoding gives the composed form
    }

    [SharedDataFact(Folder)]
    public void Qwen3_loads_with_its_added_tokens_and_nfc()
    {
        var qwen = Assert.IsType<BpeTokenizer>(fixture.Tokenizer);
        Assert.Equal("huggingface:bpe", qwen.Kind);
        Assert.Equal(151669, qwen.VocabSize);
        Assert.Equal(151644, qwen.SpecialTokens["<|im_start|>"]);
        Assert.Equal(151668, qwen.SpecialTokens["</think>"]);
        Assert.True(qwen.NormalizesToNfc);
        Assert.Equal(MergeRule.ByMergeList, qwen.Encoder.Rule);
        Assert.Equal(qwen.Encode("\u00e9"), qwen.Encode("e\u0301"));
        Assert.NotEqual([151644], qwen.Encode("<|im_start|>")); // without allowSpecial it is text
    }
}
