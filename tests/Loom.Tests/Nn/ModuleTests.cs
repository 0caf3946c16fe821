using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Tests.Nn;

public class ModuleTests
{
    [Fact]
    public void Named_parameters_are_dotted_and_in_declaration_order_own_first()
    {
        var net = new TwoAffines();
        Assert.Equal(["scale", "first.weight", "first.bias", "second.weight", "second.bias"],
            net.NamedParameters().Select(p => p.Name));
        Assert.Equal(2 + 6 + 6, net.ParameterCount);
        Assert.Equal(["", "first", "second"], net.NamedModules().Select(m => m.Name));
    }

    [Fact]
    public void Parameters_are_leaves_that_require_grad_and_rank_below_two_skips_decay()
    {
        var net = new TwoAffines();
        Assert.All(net.Parameters(), p => Assert.True(p.Value.RequiresGrad));
        Assert.False(net.First.Weight.NoDecay);
        Assert.True(net.First.Bias.NoDecay);
        Assert.True(net.Scale.NoDecay);
    }

    [Fact]
    public void Train_and_eval_reach_every_submodule()
    {
        var net = new TwoAffines();
        Assert.True(net.Second.Training);
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.Training));
        net.Train();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.Training));
    }

    [Fact]
    public void Zero_grad_drops_gradients_after_backward()
    {
        var net = new TwoAffines();
        Ops.Sum(Ops.Mul(net.First.Weight, net.Second.Weight)).Backward();
        Assert.Equal(Enumerable.Repeat(2f, 4), net.First.Weight.Grad!.ToArray());
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Load_state_dict_copies_in_place_keeping_parameter_objects()
    {
        var source = new TwoAffines();
        source.First.Weight.Data[0] = 42f;
        var target = new TwoAffines();
        var weightBefore = target.First.Weight.Value;
        target.LoadStateDict(source.StateDict());
        Assert.Same(weightBefore, target.First.Weight.Value);
        foreach (var ((_, a), (_, b)) in source.NamedParameters().Zip(target.NamedParameters()))
            Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
    }

    [Fact]
    public void State_dict_aliases_the_live_values()
    {
        var net = new TwoAffines();
        var dict = net.StateDict();
        net.Scale.Data[1] = 7f;
        Assert.Equal(7f, dict["scale"].ToArray()[1]);
    }

    [Fact]
    public void Missing_key_is_named_and_nothing_is_written()
    {
        var target = new TwoAffines();
        var dict = new TwoAffines().StateDict();
        dict.Remove("second.bias");
        dict["first.weight"] = Tensor.Full(9f, 2, 2);
        var e = Assert.Throws<LoomException>(() => target.LoadStateDict(dict));
        Assert.Contains("missing", e.Message);
        Assert.Contains("second.bias", e.Message);
        Assert.Equal(Enumerable.Repeat(1f, 4), target.First.Weight.Value.ToArray());

        target.LoadStateDict(dict, strict: false);
        Assert.Equal(Enumerable.Repeat(9f, 4), target.First.Weight.Value.ToArray());
    }

    [Fact]
    public void Unexpected_key_is_named_unless_not_strict()
    {
        var target = new TwoAffines();
        var dict = target.StateDict();
        dict["third.weight"] = Tensor.Zeros(1);
        var e = Assert.Throws<LoomException>(() => target.LoadStateDict(dict));
        Assert.Contains("unexpected", e.Message);
        Assert.Contains("third.weight", e.Message);
        target.LoadStateDict(dict, strict: false);
    }

    [Fact]
    public void Shape_mismatch_names_key_and_both_shapes_even_when_not_strict()
    {
        var target = new TwoAffines();
        var dict = target.StateDict();
        dict["second.weight"] = Tensor.Zeros(3, 2);
        var e = Assert.Throws<LoomException>(() => target.LoadStateDict(dict, strict: false));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("second.weight", e.Message);
        Assert.Contains("[2, 2]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
    }

    [Fact]
    public void Registering_a_name_twice_or_a_dotted_name_fails()
    {
        Assert.Throws<LoomException>(() => new DuplicateName());
        Assert.Throws<LoomException>(() => new DottedName());
    }

    [Fact]
    public void Parameter_from_a_view_is_a_contiguous_copy()
    {
        var source = Tensor.Arange(6).Reshape(2, 3);
        var p = new Parameter(source.Transpose(0, 1));
        Assert.True(p.Value.IsContiguous);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], p.Value.ToArray());
        Assert.Equal([3, 2], p.Value.ShapeArray);
    }

    private sealed class DuplicateName : Module
    {
        public DuplicateName()
        {
            AddParameter("w", Tensor.Zeros(1));
            AddModule("w", new Affine(1));
        }
    }

    private sealed class DottedName : Module
    {
        public DottedName() => AddParameter("a.b", Tensor.Zeros(1));
    }
}
