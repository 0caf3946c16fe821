using Loom.Core;
using Loom.Models.Transformer;

namespace Loom.Tests.Models.Transformer;

public class TransformerConfigTests
{
    [Fact]
    public void Json_round_trip_keeps_every_field_in_camel_case()
    {
        var config = new TransformerConfig
        {
            Style = TransformerStyle.Gpt2, VocabSize = 77, ContextLength = 48, Layers = 3, Heads = 6, KvHeads = 3, ModelDim = 96,
            FfnHiddenDim = 200, RopeTheta = 5000f, NormEps = 1e-6f, Dropout = 0.2f, AttentionDropout = 0.1f, TiedEmbeddings = false, Bias = true, InitStd = 0.01f,
        };
        string json = TransformerConfigJson.Serialize(config);
        Assert.Contains("\"style\": \"gpt2\"", json);
        Assert.Contains("\"kvHeads\": 3", json);
        Assert.Contains("\"attentionDropout\": 0.1", json);
        Assert.DoesNotContain("usesDropout", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("headDim", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(config, TransformerConfigJson.Deserialize(json, "test.json"));
    }

    [Theory]
    [InlineData("{\"modelDim\": 100, \"heads\": 3, \"kvHeads\": 1}", "modelDim")]
    [InlineData("{\"heads\": 4, \"kvHeads\": 3}", "kvHeads")]
    [InlineData("{\"layers\": 0}", "layers")]
    [InlineData("{\"dropout\": 1.5}", "dropout")]
    [InlineData("{\"attentionDropout\": 1}", "attentionDropout")]
    [InlineData("{\"modelDim\": 12, \"heads\": 4, \"kvHeads\": 4}", "modelDim / heads must be even")]
    [InlineData("{\"layer\": 6}", "layer")]
    [InlineData("{\"style\": \"mamba\"}", "style")]
    public void Invalid_configs_name_the_field(string json, string expected)
    {
        var e = Assert.Throws<LoomException>(() => TransformerConfigJson.Deserialize(json, "bad.json"));
        Assert.StartsWith("bad.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Default_ffn_width_follows_the_style()
    {
        Assert.Equal(176, new TransformerConfig { ModelDim = 64 }.ResolvedFfnHiddenDim); // 8/3·64 = 170.7 → 176
        Assert.Equal(256, new TransformerConfig { ModelDim = 64, Style = TransformerStyle.Gpt2 }.ResolvedFfnHiddenDim);
        Assert.Equal(100, new TransformerConfig { ModelDim = 64, FfnHiddenDim = 100 }.ResolvedFfnHiddenDim);
    }

    [Fact]
    public void Every_preset_loads_with_its_intended_size_and_the_count_matches_the_built_model()
    {
        Assert.Equal(["gpt2-small-like", "names", "names-small", "small", "tiny"], TransformerPresets.Names);
        foreach (var name in new[] { "tiny", "names" }) // the larger ones only through the formula, to keep the test fast
        {
            var config = TransformerPresets.Load(name);
            Assert.Equal(config.ParameterCount, new TransformerLm(config).ParameterCount);
        }
        var tiny = TransformerPresets.Load("tiny");
        Assert.InRange(tiny.ParameterCount, 150_000, 250_000);
        Assert.InRange(TransformerPresets.Load("names").ParameterCount, 500_000, 1_000_000);
        Assert.InRange(TransformerPresets.Load("small").ParameterCount, 3_000_000, 6_000_000);
        Assert.InRange(TransformerPresets.Load("gpt2-small-like").ParameterCount, 120_000_000, 130_000_000);
    }

    [Fact]
    public void Parameter_count_formula_matches_gpt2_style_with_biases_and_untied_head()
    {
        var config = TinyModels.Gpt2();
        Assert.Equal(config.ParameterCount, new TransformerLm(config).ParameterCount);
        var untiedLlama = TinyModels.Llama() with { TiedEmbeddings = false, Bias = true };
        Assert.Equal(untiedLlama.ParameterCount, new TransformerLm(untiedLlama).ParameterCount);
    }

    [Fact]
    public void Unknown_preset_lists_the_presets()
    {
        var e = Assert.Throws<LoomException>(() => TransformerPresets.Load("huge"));
        Assert.Contains("'huge'", e.Message);
        Assert.Contains("tiny", e.Message);
        Assert.Contains("names", e.Message);
    }

    [Fact]
    public void A_json_path_loads_as_a_config_file()
    {
        using var dir = new TinyModels.TempDir();
        string path = Path.Combine(dir.Path, "mine.json");
        File.WriteAllText(path, TransformerConfigJson.Serialize(TinyModels.Llama()));
        Assert.Equal(TinyModels.Llama(), TransformerPresets.Load(path));
        Assert.Equal(LoomErrorCode.FileNotFound, Assert.Throws<LoomException>(() => TransformerPresets.Load(Path.Combine(dir.Path, "no.json"))).Code);
    }
}
