using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Kernels.Quant;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Tests.Models.Transformer;
using Loom.Text.Tokenizers;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Tests.Models;

/// <summary>
/// A Loom model exported to GGUF and run by Loom's GGUF engine (LlmModel) must compute what the model computes:
/// the same logits (F32 weights, within float rounding) and the same greedy tokens, and its GGUF tokenizer must give
/// the ids Loom's tokenizer gives. Weights are random with a large init std so logits are well separated.
/// </summary>
public class GgufExportTests
{
    private const string Corpus =
        "the quick brown fox jumps over the lazy dog.\nüber den Straßen – 42 Häuser!\nthe dog sleeps; the fox runs. 🦊\n"
        + "a fox, a dog, a cat and the lazy brown fox again.\nthe the the quick quick lazy.\n";

    private static TransformerConfig Config(int vocab, bool tied) => new()
    {
        Style = TransformerStyle.Llama, VocabSize = vocab, ContextLength = 64, Layers = 2, Heads = 4, KvHeads = 2,
        ModelDim = 32, FfnHiddenDim = 64, TiedEmbeddings = tied, InitStd = 0.3f, RopeTheta = 500f, NormEps = 1e-5f,
    };

    private static LanguageModel SaveAndLoad(string dir, ITokenizer tokenizer, TransformerConfig config, TextFormat? text, ulong seed)
    {
        TransformerLmDirectory.Save(dir, new TransformerLm(config, seed), tokenizer, text: text);
        return TransformerLmDirectory.Load(dir);
    }

    /// <summary>Feeds <paramref name="prompt"/> to both, then greedy-decodes <paramref name="steps"/> tokens with Loom's
    /// choice, checking every step's logits and that the engine's argmax is Loom's (unless Loom's top two are closer
    /// than the tolerance).</summary>
    private static int[] AssertSameDecoding(LanguageModel lm, LlmModel gguf, int[] prompt, int steps)
    {
        var loom = new TransformerLogitSource(lm.Model);
        var engine = gguf.CreateSession();
        float[] expected = loom.Forward(prompt).ToArray(), actual = engine.Forward(prompt).ToArray();
        var generated = new List<int>();
        for (int step = 0; ; step++)
        {
            Assert.True(actual.Length >= expected.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-3f * Math.Max(1f, Math.Abs(expected[i])),
                    $"step {step}, token {i}: Loom {expected[i]}, GGUF engine {actual[i]}");
            int mine = LlmGeneration.ArgMax(expected), theirs = LlmGeneration.ArgMax(actual);
            Assert.True(mine == theirs || Math.Abs(expected[mine] - expected[theirs]) < 1e-3f, $"step {step}: argmax {mine} vs {theirs}");
            generated.Add(mine);
            if (step == steps - 1) return [.. generated];
            expected = loom.Forward([mine]).ToArray();
            actual = engine.Forward([mine]).ToArray();
        }
    }

    [Fact]
    public void A_char_model_in_lines_mode_runs_in_the_gguf_engine_with_the_same_tokens_and_logits()
    {
        using var dir = new TinyModels.TempDir();
        var tokenizer = CharTokenizer.Build(Corpus.Replace("\n", ""), ["\n"]);
        var lm = SaveAndLoad(Path.Combine(dir.Path, "model"), tokenizer, Config(tokenizer.VocabSize, tied: false),
            new TextFormat { Mode = TextFormat.LinesMode, Boundary = tokenizer.SpecialTokens["\n"] }, seed: 11);
        string file = Path.Combine(dir.Path, "char.gguf");
        var result = GgufExport.Export(Path.Combine(dir.Path, "model"), file, GgufQuantization.F32);
        Assert.Empty(result.Warnings);
        using var gguf = LlmModel.Load(file);
        Assert.Equal(lm.Model.Config.VocabSize, gguf.Config.VocabSize);
        Assert.Equal("llama", gguf.File.GetString("tokenizer.ggml.model"));
        foreach (string text in new[] { "über den Straßen", "the lazy dog 🦊", " a  fox " })
            Assert.Equal(lm.EncodePrompt(text), gguf.Tokenizer.Tokenize(text, addSpecial: true, parseSpecial: false));
        int boundary = tokenizer.SpecialTokens["\n"];
        Assert.Equal(boundary, gguf.Tokenizer.BosId);
        Assert.True(gguf.Tokenizer.IsEndOfGeneration(boundary));
        int[] ids = AssertSameDecoding(lm, gguf, lm.EncodePrompt("the quick"), steps: 12);
        Assert.Equal(lm.Tokenizer.Decode([.. ids.Where(id => id != boundary)]),
            System.Text.Encoding.UTF8.GetString(gguf.Tokenizer.Detokenize([.. ids.Where(id => id != boundary)], removeSpecial: true, unparseSpecial: false)));
    }

    [Fact]
    public void A_byte_level_bpe_model_in_stream_mode_runs_in_the_gguf_engine_with_an_appended_end_token()
    {
        using var dir = new TinyModels.TempDir();
        var tokenizer = BpeTrainer.Train(Corpus + Corpus.ToUpperInvariant(), new BpeTrainerOptions { VocabSize = 300 });
        var lm = SaveAndLoad(Path.Combine(dir.Path, "model"), tokenizer, Config(tokenizer.VocabSize, tied: true), null, seed: 12);
        string file = Path.Combine(dir.Path, "bpe.gguf");
        var result = GgufExport.Export(Path.Combine(dir.Path, "model"), file, GgufQuantization.F32);
        Assert.Contains(result.Warnings, w => w.Contains("<|endoftext|>"));
        using var gguf = LlmModel.Load(file);
        Assert.Equal(tokenizer.VocabSize + 1, gguf.Config.VocabSize);
        Assert.Equal("llama-bpe", gguf.File.GetString("tokenizer.ggml.pre"));
        Assert.Equal(tokenizer.VocabSize, gguf.Tokenizer.EosId);
        foreach (string text in new[] { "the quick brown fox", "über 1234 Straßen!!\n\n  x", "🦊 THE LAZY DOG" })
            Assert.Equal(tokenizer.Encode(text), gguf.Tokenizer.Tokenize(text, addSpecial: true, parseSpecial: false));
        AssertSameDecoding(lm, gguf, tokenizer.Encode("the lazy"), steps: 10);
    }

    [Fact]
    public void Ids_the_model_has_beyond_its_tokenizer_become_unused_placeholder_tokens()
    {
        using var dir = new TinyModels.TempDir();
        var tokenizer = CharTokenizer.Build("abc de", ["\n"]);
        var lm = SaveAndLoad(Path.Combine(dir.Path, "model"), tokenizer, Config(tokenizer.VocabSize + 3, tied: true),
            new TextFormat { Mode = TextFormat.LinesMode, Boundary = tokenizer.SpecialTokens["\n"] }, seed: 15);
        string file = Path.Combine(dir.Path, "padded.gguf");
        GgufExport.Export(Path.Combine(dir.Path, "model"), file, GgufQuantization.F16);
        using var gguf = LlmModel.Load(file);
        Assert.Equal(tokenizer.VocabSize + 3, gguf.Config.VocabSize);
        Assert.Equal(GgufTokenType.Unused, gguf.Tokenizer.TokenType(tokenizer.VocabSize + 2));
        Assert.Equal(GgufTokenType.Control, gguf.Tokenizer.TokenType(tokenizer.SpecialTokens["\n"]));
        Assert.Equal(lm.EncodePrompt("bad cab"), gguf.Tokenizer.Tokenize("bad cab", addSpecial: true, parseSpecial: true));
        Assert.Equal(GgmlType.F16, gguf.File.GetTensor("token_embd.weight").Type);
        Assert.Equal(GgmlType.F32, gguf.File.GetTensor("output_norm.weight").Type);
    }

    [Fact]
    public void Exporting_in_a_quantized_type_equals_quantizing_the_f32_export()
    {
        using var dir = new TinyModels.TempDir();
        var tokenizer = CharTokenizer.Build(Corpus);
        var lm = SaveAndLoad(Path.Combine(dir.Path, "model"), tokenizer, Config(tokenizer.VocabSize, tied: true), null, seed: 13);
        string f32 = Path.Combine(dir.Path, "f32.gguf");
        GgufExport.Export(Path.Combine(dir.Path, "model"), f32, GgufQuantization.F32);
        foreach (var q in new[] { GgufQuantization.Q8_0, GgufQuantization.Q4_K_M })
        {
            string direct = Path.Combine(dir.Path, $"direct-{q}.gguf"), requantized = Path.Combine(dir.Path, $"re-{q}.gguf");
            var result = GgufExport.Export(Path.Combine(dir.Path, "model"), direct, q);
            GgufQuantizer.QuantizeFile(f32, requantized, q);
            Assert.Equal(File.ReadAllBytes(requantized), File.ReadAllBytes(direct));
            using var file = GgufFile.Open(direct);
            Assert.Equal(q.FileType, file.GetUInt32("general.file_type"));
            Assert.Equal(GgmlType.F32, file.GetTensor("blk.0.attn_norm.weight").Type);
            // Rows of 32 take Q8_0 and Q4_0 blocks but not K-quant ones: Q4_K_M falls back, and says so.
            var expectedWeight = q == GgufQuantization.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q4_0;
            Assert.Equal(expectedWeight, file.GetTensor("blk.0.attn_q.weight").Type);
            Assert.Equal(GgmlType.Q8_0, file.GetTensor("token_embd.weight").Type);
            if (q == GgufQuantization.Q4_K_M) Assert.Contains(result.Warnings, w => w.Contains("not a multiple"));
            using var engine = LlmModel.Load(direct);
            var logits = engine.CreateSession().Forward(tokenizer.Encode("the fox"));
            Assert.Equal(lm.Model.Config.VocabSize + 1, logits.Length);
        }
    }

    [Fact]
    public void Gpt2_style_models_are_refused_with_the_reason()
    {
        using var dir = new TinyModels.TempDir();
        var tokenizer = CharTokenizer.Build(Corpus);
        SaveAndLoad(Path.Combine(dir.Path, "model"), tokenizer, TinyModels.Gpt2(tokenizer.VocabSize), null, seed: 14);
        var e = Assert.Throws<LoomException>(() => GgufExport.Export(Path.Combine(dir.Path, "model"), Path.Combine(dir.Path, "x.gguf"), GgufQuantization.F32));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("Llama-style", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "x.gguf")));
    }

    [Fact]
    public void Rope_permutation_makes_neox_pairs_adjacent_within_each_head()
    {
        // Two heads of 4 rows, one column: rows are their own indices.
        float[] rows = [0, 1, 2, 3, 4, 5, 6, 7];
        Assert.Equal([0, 2, 1, 3, 4, 6, 5, 7], GgufExport.PermuteForAdjacentRope(rows, heads: 2, headDim: 4));
    }
}
