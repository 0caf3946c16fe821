using System.Text;
using System.Text.Json;

namespace Loom.Tests.Text.GgufTokenizers;

/// <summary>
/// Loom's GGUF tokenizers against llama.cpp's own output on every reference file: token ids for the 19 test
/// strings under all three (add_special, parse_special) settings, the prompts' ids, BOS/EOS flags, the
/// end-of-generation and forced-control sets, and the greedy continuations' text decoded from their ids.
/// </summary>
public sealed class GgufTokenizerVectorTests(GgufTokenizerFixture fixture) : IClassFixture<GgufTokenizerFixture>
{
    [SharedGgufTokenizerFact]
    public void VocabSentencePiece32000MatchesLlamaCpp() => AssertTokenizeVectors("vocab/vocab-llama-spm-32000.gguf");

    [SharedGgufTokenizerFact]
    public void VocabGpt2MatchesLlamaCpp() => AssertTokenizeVectors("vocab/vocab-gpt2-50257.gguf");

    [SharedGgufTokenizerFact]
    public void VocabQwen3MatchesLlamaCpp() => AssertTokenizeVectors("vocab/vocab-qwen3-151669.gguf");

    [SharedGgufTokenizerFact]
    public void ModelFilesMatchLlamaCpp()
    {
        var models = GgufTokenizerFixture.AllFiles.Where(f => f.StartsWith("models", StringComparison.Ordinal)).ToList();
        Assert.Equal(13, models.Count);
        foreach (var file in models) AssertTokenizeVectors(file);
    }

    [SharedGgufTokenizerFact]
    public void PromptIdsMatchLlamaCpp()
    {
        foreach (var file in GgufTokenizerFixture.AllFiles.Where(f => f.StartsWith("models", StringComparison.Ordinal)))
        {
            var (tokenizer, expected) = fixture.Get(file);
            foreach (var prompt in expected.GetProperty("prompts").EnumerateArray())
            {
                var want = GgufTokenizerFixture.Ids(prompt.GetProperty("ids"));
                var got = tokenizer.Tokenize(prompt.GetProperty("text").GetString()!, addSpecial: true, parseSpecial: true);
                Assert.True(want.SequenceEqual(got), $"{file}: prompt ids\n want {string.Join(",", want)}\n got  {string.Join(",", got)}");
            }
        }
    }

    [SharedGgufTokenizerFact]
    public void GreedyTextsDecodeFromTheirIdsAsLlamaCppPrintsThem()
    {
        int checkedTexts = 0;
        foreach (var file in GgufTokenizerFixture.AllFiles.Where(f => f.StartsWith("models", StringComparison.Ordinal)))
        {
            var (tokenizer, expected) = fixture.Get(file);
            foreach (var prompt in expected.GetProperty("prompts").EnumerateArray())
            {
                var greedy = prompt.GetProperty("greedy");
                byte[] want = greedy.TryGetProperty("text_hex", out var hex)
                    ? Convert.FromHexString(hex.GetString()!)
                    : Encoding.UTF8.GetBytes(greedy.GetProperty("text").GetString()!);
                var ids = GgufTokenizerFixture.Ids(greedy.GetProperty("ids"));
                // llama-completion prints token_to_piece(special: true) of each generated token.
                Assert.Equal(Convert.ToHexString(want), Convert.ToHexString(tokenizer.DecodeBytes(ids)));
                bool eog = greedy.GetProperty("stopped_at_eog").GetBoolean();
                Assert.Equal(eog, tokenizer.IsEndOfGeneration(ids[^1]));
                Assert.All(ids[..^1], id => Assert.False(tokenizer.IsEndOfGeneration(id), $"{file}: {id} ends generation"));
                checkedTexts++;
            }
        }
        Assert.Equal(39, checkedTexts);
    }

    [SharedGgufTokenizerFact]
    public void SpecialIdsFlagsAndEndOfGenerationSetsMatchLlamaCpp()
    {
        foreach (var file in GgufTokenizerFixture.AllFiles)
        {
            var (tokenizer, expected) = fixture.Get(file);
            var info = expected.GetProperty("tokenizer");
            Assert.Equal(info.GetProperty("bos_id").GetInt32(), tokenizer.BosId);
            Assert.Equal(info.GetProperty("eos_id").GetInt32(), tokenizer.EosId);
            Assert.Equal(info.GetProperty("add_bos").GetBoolean(), tokenizer.AddBos);
            Assert.Equal(info.GetProperty("add_eos").GetBoolean(), tokenizer.AddEos);
            Assert.Equal(IdsOf(info.GetProperty("llama_cpp_eog_tokens")), tokenizer.Vocabulary.EndOfGeneration.Order());
            Assert.Equal(IdsOf(info.GetProperty("llama_cpp_forced_control")), tokenizer.Vocabulary.ForcedControl);
            foreach (var t in info.GetProperty("llama_cpp_forced_control").EnumerateArray())
                Assert.Equal(t.GetProperty("token").GetString(), tokenizer.Vocabulary.Tokens[t.GetProperty("id").GetInt32()]);
        }
    }

    [SharedGgufTokenizerFact]
    public void PlainTokenizationDetokenizesBackToTheText()
    {
        foreach (var file in GgufTokenizerFixture.AllFiles.Where(f => f.StartsWith("vocab", StringComparison.Ordinal)))
        {
            var (tokenizer, _) = fixture.Get(file);
            foreach (var text in GgufTokenizerFixture.TestStrings)
            {
                var ids = tokenizer.Tokenize(text, addSpecial: false, parseSpecial: false);
                string back = Encoding.UTF8.GetString(tokenizer.Detokenize(ids, removeSpecial: false, unparseSpecial: false));
                Assert.Equal(text, back);
            }
        }
    }

    private static IEnumerable<int> IdsOf(JsonElement tokens) =>
        tokens.EnumerateArray().Select(t => t.GetProperty("id").GetInt32()).Order();

    private void AssertTokenizeVectors(string file)
    {
        var (tokenizer, expected) = fixture.Get(file);
        var failures = new List<string>();
        int compared = 0;
        foreach (var item in expected.GetProperty("tokenize").EnumerateArray())
        {
            string text = item.GetProperty("text").GetString()!;
            foreach (var (field, addSpecial, parseSpecial) in new[] { ("ids", false, false), ("ids_special", false, true), ("ids_bos_special", true, true) })
            {
                var want = GgufTokenizerFixture.Ids(item.GetProperty(field));
                var got = tokenizer.Tokenize(text, addSpecial, parseSpecial);
                compared++;
                if (!want.SequenceEqual(got))
                    failures.Add($"{field} {JsonSerializer.Serialize(text)}\n  want {string.Join(",", want)}\n  got  {string.Join(",", got)}");
            }
        }
        Assert.Equal(3 * GgufTokenizerFixture.TestStrings.Length, compared);
        Assert.True(failures.Count == 0, $"{file}: {failures.Count} of {compared} lists differ from llama.cpp:\n{string.Join("\n", failures)}");
    }
}
