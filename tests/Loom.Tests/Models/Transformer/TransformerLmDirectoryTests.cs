using Loom.Core;
using Loom.Formats;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Models.Transformer;

public class TransformerLmDirectoryTests
{
    private static (TransformerLm Model, CharTokenizer Tokenizer) Tiny(ulong seed = 1)
    {
        var tokenizer = CharTokenizer.Build("abcdefgh \n");
        var model = new TransformerLm(TinyModels.Llama(vocab: tokenizer.VocabSize), seed);
        model.Eval();
        return (model, tokenizer);
    }

    [Fact]
    public void Save_then_load_gives_identical_logits_tokenizer_and_manifest()
    {
        using var dir = new TinyModels.TempDir();
        var (model, tokenizer) = Tiny();
        var data = Path.Combine(dir.Path, "data.txt");
        File.WriteAllText(data, "abc\n");
        var provenance = new Provenance { Seed = 42, Data = [ModelDirectory.DescribeData(data)] };
        var training = new TrainingRecord { Steps = 10, Tokens = 640, ValLoss = 1.5 };
        string modelDir = Path.Combine(dir.Path, "model");
        TransformerLmDirectory.Save(modelDir, model, tokenizer, provenance, training);

        var loaded = TransformerLmDirectory.Load(modelDir);
        var tokens = tokenizer.Encode("abc defg");
        Assert.Equal(model.Forward(tokens, 1, tokens.Length).ToArray(), loaded.Model.Forward(tokens, 1, tokens.Length).ToArray());
        Assert.Equal(model.Config, loaded.Model.Config);
        Assert.Equal("char", loaded.Tokenizer.Kind);
        Assert.Equal(tokens, loaded.Tokenizer.Encode("abc defg"));
        Assert.Equal("transformer-lm", loaded.Manifest.Family);
        Assert.Equal(42UL, loaded.Manifest.Provenance!.Seed);
        Assert.Equal(64, loaded.Manifest.Provenance.Data[0].Sha256.Length);
        Assert.Equal(training, loaded.Manifest.Training);
        Assert.False(loaded.Model.Training);
        Assert.Empty(Directory.GetFiles(modelDir, "*.tmp")); // no temporaries left behind
    }

    [Fact]
    public void Missing_directory_or_manifest_is_file_not_found_naming_the_path()
    {
        using var dir = new TinyModels.TempDir();
        string missing = Path.Combine(dir.Path, "nope");
        var e = Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(missing));
        Assert.Equal(LoomErrorCode.FileNotFound, e.Code);
        Assert.Contains(missing, e.Message);
        e = Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path));
        Assert.Equal(LoomErrorCode.FileNotFound, e.Code);
        Assert.Contains("loom.json", e.Message);
    }

    [Fact]
    public void A_directory_of_another_family_is_rejected_by_name()
    {
        using var dir = new TinyModels.TempDir();
        ModelDirectory.WriteManifest(dir.Path, new ModelManifest { Family = "vae" });
        var e = Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path));
        Assert.Contains($"{dir.Path} is a 'vae' model directory; expected 'transformer-lm'", e.Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_name_the_tensor_and_both_shapes()
    {
        using var dir = new TinyModels.TempDir();
        var (model, tokenizer) = Tiny();
        TransformerLmDirectory.Save(dir.Path, model, tokenizer);
        // Swap in weights of a wider model under the same names.
        var wider = new TransformerLm(TinyModels.Llama(vocab: tokenizer.VocabSize) with { ModelDim = 48 });
        Safetensors.Save(Path.Combine(dir.Path, "model.safetensors"),
            wider.StateDict().Select(e => new NamedTensor(e.Key, e.Value.ShapeArray, e.Value.ToArray())).ToList());
        var e = Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains($"'model.embed_tokens.weight' expects shape [{tokenizer.VocabSize}, 32], found [{tokenizer.VocabSize}, 48]", e.Message);
    }

    [Fact]
    public void Corrupt_weights_and_bad_config_fail_with_format_errors()
    {
        using var dir = new TinyModels.TempDir();
        var (model, tokenizer) = Tiny();
        TransformerLmDirectory.Save(dir.Path, model, tokenizer);
        string weights = Path.Combine(dir.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        Assert.Equal(LoomErrorCode.InvalidFormat, Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path)).Code);

        string manifest = Path.Combine(dir.Path, "loom.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"heads\": 4", "\"heads\": 5"));
        var e = Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path));
        Assert.Contains("modelDim must be a multiple of heads (5)", e.Message);
        Assert.Contains("loom.json", e.Message);
    }

    [Fact]
    public void An_interrupted_save_leaves_a_directory_without_loom_json_which_load_rejects()
    {
        using var dir = new TinyModels.TempDir();
        var (model, tokenizer) = Tiny();
        TransformerLmDirectory.Save(dir.Path, model, tokenizer);
        // A new save starts by removing loom.json; a crash before the last step leaves it absent.
        ModelDirectory.BeginWrite(dir.Path);
        Assert.Equal(LoomErrorCode.FileNotFound, Assert.Throws<LoomException>(() => TransformerLmDirectory.Load(dir.Path)).Code);
    }
}
