using Loom.Core;
using Loom.Models.Transformer;
using Loom.Nn;
using Loom.Nn.Lora;
using Loom.Nn.Optim;
using Loom.Tests.Models.Transformer;

namespace Loom.Tests.Nn;

public class LoraTests
{
    private static readonly string[] QueryValue = ["q_proj", "v_proj"];

    private static TransformerLm Model(ulong seed = 1) => new(TinyModels.Llama(), seed);

    /// <summary>Trains a few steps so B is no longer zero and the adapters actually change the output.</summary>
    private static void Train(TransformerLm model, int steps = 3)
    {
        var optimizer = new AdamW(Lora.TrainableParameters(model), learningRate: 1e-2f);
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            model.Loss(TinyModels.Tokens(16, 16, (ulong)i), TinyModels.Tokens(16, 16, 100 + (ulong)i), 2, 8).Backward();
            optimizer.Step();
        }
    }

    [Fact]
    public void Apply_wraps_matching_linears_and_a_fresh_adapter_leaves_the_output_unchanged()
    {
        var model = Model();
        var tokens = TinyModels.Tokens(8, 16, 1);
        var before = model.Forward(tokens, 1, 8).ToArray();
        var paths = Lora.Apply(model, rank: 4, alpha: 8, QueryValue);
        Assert.Equal(["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"], paths);
        Assert.IsType<LoraLinear>(model.GetSubmodule("model.layers.1.self_attn.v_proj"));
        Assert.Equal(before, model.Forward(tokens, 1, 8).ToArray()); // B starts at zero
        Assert.Equal(paths.SelectMany(p => new[] { $"{p}.lora_A.weight", $"{p}.lora_B.weight" }),
            Lora.TrainableParameters(model).Select(p => p.Name));
    }

    [Fact]
    public void Only_adapter_parameters_receive_gradients_and_the_base_stays_bit_identical()
    {
        var model = Model();
        Lora.Apply(model, rank: 2, alpha: 4, ["self_attn.*"]);
        var frozen = model.NamedParameters().Where(p => !p.Name.Contains("lora_")).ToDictionary(p => p.Name, p => p.Parameter.Value.ToArray());
        var adapterBefore = model.NamedParameters().Where(p => p.Name.Contains("lora_B")).Select(p => p.Parameter.Value.ToArray()).ToList();

        model.Loss(TinyModels.Tokens(16, 16, 1), TinyModels.Tokens(16, 16, 2), 2, 8).Backward();
        foreach (var (name, parameter) in model.NamedParameters())
            Assert.True((parameter.Grad != null) == name.Contains(".lora_"), $"{name}: gradient {(parameter.Grad is null ? "absent" : "present")}");

        // Even an optimizer handed every parameter (with weight decay) changes only the adapters.
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 1e-2f, weightDecay: 0.1f);
        optimizer.Step();
        Train(model);
        foreach (var (name, parameter) in model.NamedParameters().Where(p => !p.Name.Contains("lora_")))
            Assert.Equal(frozen[name], parameter.Value.ToArray());
        var adapterAfter = model.NamedParameters().Where(p => p.Name.Contains("lora_B")).Select(p => p.Parameter.Value.ToArray()).ToList();
        Assert.All(adapterBefore.Zip(adapterAfter), p => Assert.NotEqual(p.First, p.Second));
    }

    [Fact]
    public void Merged_outputs_equal_unmerged_and_plain_linears_come_back()
    {
        var model = Model();
        Lora.Apply(model, rank: 4, alpha: 16, ["q_proj", "v_proj", "down_proj"]);
        Train(model);
        model.Eval();
        var tokens = TinyModels.Tokens(12, 16, 7);
        var adapted = model.Forward(tokens, 1, 12).ToArray();
        Assert.Equal(6, Lora.Merge(model));
        Assert.IsType<Linear>(model.GetSubmodule("model.layers.0.mlp.down_proj"));
        Assert.Empty(Lora.Adapters(model));
        Assert.Equal(Model().NamedParameters().Select(p => p.Name), model.NamedParameters().Select(p => p.Name));
        var merged = model.Forward(tokens, 1, 12).ToArray();
        Assert.All(adapted.Zip(merged), p => Assert.Equal(p.First, p.Second, 1e-5f));
        Assert.All(model.Parameters(), p => Assert.True(p.Value.RequiresGrad));
    }

    [Fact]
    public void Adapter_save_and_load_on_a_fresh_base_reproduces_the_outputs()
    {
        using var dir = new TinyModels.TempDir();
        var model = Model(seed: 3);
        Lora.Apply(model, rank: 4, alpha: 8, QueryValue);
        Train(model);
        model.Eval();
        var tokens = TinyModels.Tokens(8, 16, 9);
        var expected = model.Forward(tokens, 1, 8).ToArray();
        Lora.SaveAdapter(model, dir.Path, QueryValue, baseModelPath: "models/base", baseModelSha256: new string('0', 64));
        Assert.True(File.Exists(Path.Combine(dir.Path, "adapter.safetensors")));

        var fresh = Model(seed: 3);
        var info = Lora.LoadAdapter(fresh, dir.Path);
        fresh.Eval();
        Assert.Equal(4, info.Rank);
        Assert.Equal(8f, info.Alpha);
        Assert.Equal(QueryValue, info.Targets);
        Assert.Equal("models/base", info.BaseModelPath);
        Assert.Equal(expected, fresh.Forward(tokens, 1, 8).ToArray());
        Assert.Equal(Lora.AdapterStateDict(model).Keys, Lora.AdapterStateDict(fresh).Keys);
    }

    [Fact]
    public void Loading_an_adapter_onto_a_different_base_names_the_tensor_and_shapes_and_leaves_the_model_untouched()
    {
        using var dir = new TinyModels.TempDir();
        var model = Model();
        Lora.Apply(model, rank: 2, alpha: 2, QueryValue);
        Lora.SaveAdapter(model, dir.Path, QueryValue);

        var wider = new TransformerLm(TinyModels.Llama() with { ModelDim = 48 });
        var e = Assert.Throws<LoomException>(() => Lora.LoadAdapter(wider, dir.Path));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("'model.layers.0.self_attn.q_proj.lora_A.weight' has shape [2, 32] but this base model needs [2, 48]", e.Message);
        Assert.Empty(Lora.Adapters(wider));
        Assert.All(wider.Parameters(), p => Assert.True(p.Value.RequiresGrad));

        var shallow = new TransformerLm(TinyModels.Llama() with { Layers = 1 });
        Assert.Contains("model.layers.1.self_attn.q_proj", Assert.Throws<LoomException>(() => Lora.LoadAdapter(shallow, dir.Path)).Message);
    }

    [Fact]
    public void Patterns_that_match_nothing_and_double_application_are_errors()
    {
        var model = Model();
        var e = Assert.Throws<LoomException>(() => Lora.Apply(model, 2, 2, ["c_attn"]));
        Assert.Contains("'c_attn'", e.Message);
        Assert.Contains("q_proj", e.Message);
        Lora.Apply(model, 2, 2, ["q_proj"]);
        Assert.Throws<LoomException>(() => Lora.Apply(model, 2, 2, ["v_proj"]));
        Assert.Throws<LoomException>(() => Lora.Apply(Model(), 0, 2, ["v_proj"]));
    }

    [Theory]
    [InlineData("q_proj", "model.layers.0.self_attn.q_proj", true)]
    [InlineData("self_attn.q_proj", "model.layers.0.self_attn.q_proj", true)]
    [InlineData("self_attn.*", "model.layers.0.self_attn.o_proj", true)]
    [InlineData("layers.1.*", "model.layers.0.self_attn.o_proj", false)]
    [InlineData("proj", "model.layers.0.self_attn.q_proj", false)]
    [InlineData("*_proj", "model.layers.0.mlp.up_proj", true)]
    public void Target_patterns_match_a_path_or_a_dotted_tail(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Lora.Matches(pattern, path));
}
