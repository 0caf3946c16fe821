using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Tests.Nn;

public class LayerTests
{
    private static Tensor Input(params int[] shape) => Tensor.Randn(new LoomRandom(99), shape);

    [Fact]
    public void Linear_computes_x_times_w_transposed_plus_b()
    {
        var layer = new Linear(3, 2, new LoomRandom(1));
        var x = Input(4, 3);
        var y = layer.Forward(x).ToArray();
        float[] xv = x.ToArray(), w = layer.Weight.Value.ToArray(), b = layer.Bias!.Value.ToArray();
        for (int i = 0; i < 4; i++)
            for (int o = 0; o < 2; o++)
            {
                float expected = b[o];
                for (int k = 0; k < 3; k++) expected += xv[i * 3 + k] * w[o * 3 + k];
                Assert.Equal(expected, y[i * 2 + o], 5);
            }
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal([2, 3], layer.Weight.Value.ShapeArray);
    }

    [Fact]
    public void Linear_and_conv_use_torch_default_init_bounds_and_are_seeded()
    {
        var linear = new Linear(50, 40, new LoomRandom(2));
        float bound = 1 / MathF.Sqrt(50);
        Assert.All(linear.Weight.Value.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(linear.Bias!.Value.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(linear.Weight.Value.ToArray().Max() > 0.9f * bound);
        Assert.Equal(linear.Weight.Value.ToArray(), new Linear(50, 40, new LoomRandom(2)).Weight.Value.ToArray());

        var conv = new Conv2d(4, 6, 3, new LoomRandom(3), groups: 2);
        Assert.Equal([6, 2, 3, 3], conv.Weight.Value.ShapeArray);
        float convBound = 1 / MathF.Sqrt(2 * 9);
        Assert.All(conv.Weight.Value.ToArray(), v => Assert.InRange(v, -convBound, convBound));
        Assert.True(conv.Weight.Value.ToArray().Max() > 0.8f * convBound);
    }

    [Fact]
    public void Sequential_names_layers_by_position_and_chains_them()
    {
        var rng = new LoomRandom(4);
        var net = new Sequential(new Linear(2, 8, rng), new ReLU(), new Linear(8, 3, rng, bias: false));
        Assert.Equal(["0.weight", "0.bias", "2.weight"], net.NamedParameters().Select(p => p.Name));
        var x = Input(5, 2);
        var expected = ((Linear)net[2]).Forward(Ops.Relu(((Linear)net[0]).Forward(x))).ToArray();
        Assert.Equal(expected, net.Forward(x).ToArray());
        Assert.Equal(8 * 2 + 8 + 3 * 8, net.ParameterCount);
    }

    [Fact]
    public void Gradients_reach_every_parameter_through_modules()
    {
        var rng = new LoomRandom(5);
        var net = new Sequential(new Linear(3, 4, rng), new Tanh(), new Linear(4, 1, rng));
        Ops.Sum(net.Forward(Input(6, 3))).Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.All(net.Parameters(), p => Assert.Contains(p.Grad!.ToArray(), g => g != 0));
    }

    [Fact]
    public void Conv_layers_produce_the_expected_shapes()
    {
        var rng = new LoomRandom(6);
        var conv = new Conv2d(3, 8, 3, rng, stride: 2, padding: 1);
        Assert.Equal([2, 8, 4, 4], conv.Forward(Input(2, 3, 8, 8)).ShapeArray);
        var up = new ConvTranspose2d(8, 4, 4, rng, stride: 2, padding: 1);
        Assert.Equal([8, 4, 4, 4], up.Weight.Value.ShapeArray);
        Assert.Equal([2, 4, 8, 8], up.Forward(Input(2, 8, 4, 4)).ShapeArray);
        Assert.Equal([2, 8, 2, 2], new MaxPool2d(2).Forward(Input(2, 8, 4, 4)).ShapeArray);
        Assert.Equal([2, 128], new Flatten().Forward(Input(2, 8, 4, 4)).ShapeArray);
        Assert.Throws<LoomException>(() => new Conv2d(3, 8, 3, rng, groups: 2));
    }

    [Fact]
    public void Norm_layers_normalize_and_their_gains_skip_decay()
    {
        var ln = new LayerNorm(6);
        var y = ln.Forward(Input(4, 6)).ToArray();
        for (int r = 0; r < 4; r++)
        {
            var row = y.AsSpan(r * 6, 6).ToArray();
            Assert.Equal(0, row.Average(), 4);
            Assert.Equal(1, row.Select(v => v * v).Average(), 2);
        }
        Assert.All(ln.Parameters(), p => Assert.True(p.NoDecay));
        Assert.Empty(new LayerNorm(6, affine: false).Parameters());

        var rms = new RmsNorm(6);
        var z = rms.Forward(Input(3, 6)).ToArray();
        for (int r = 0; r < 3; r++) Assert.Equal(1, z.AsSpan(r * 6, 6).ToArray().Select(v => v * v).Average(), 3);
        Assert.True(rms.Weight.NoDecay);

        var gn = new GroupNorm(2, 4);
        Assert.Equal([2, 4, 3, 3], gn.Forward(Input(2, 4, 3, 3)).ShapeArray);
        Assert.Equal(["weight", "bias"], gn.NamedParameters().Select(p => p.Name));
        Assert.Throws<LoomException>(() => new GroupNorm(3, 4));
    }

    [Fact]
    public void Embedding_looks_up_rows()
    {
        var emb = new Embedding(10, 4, new LoomRandom(7));
        var y = emb.Forward([3, 0, 3], 1, 3);
        Assert.Equal([1, 3, 4], y.ShapeArray);
        var w = emb.Weight.Value.ToArray();
        Assert.Equal(w.AsSpan(12, 4).ToArray(), y.ToArray().AsSpan(0, 4).ToArray());
        Assert.Equal(w.AsSpan(0, 4).ToArray(), y.ToArray().AsSpan(4, 4).ToArray());
    }

    [Fact]
    public void Dropout_is_seeded_scaled_and_off_in_eval()
    {
        var x = Tensor.Ones(1000);
        var a = new Dropout(0.25f, new LoomRandom(8)).Forward(x).ToArray();
        var b = new Dropout(0.25f, new LoomRandom(8)).Forward(x).ToArray();
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6f));
        Assert.InRange(a.Count(v => v == 0f), 200, 300);
        var eval = new Dropout(0.25f, new LoomRandom(8));
        eval.Eval();
        Assert.Equal(x.ToArray(), eval.Forward(x).ToArray());
    }

    [Fact]
    public void Activation_modules_match_their_ops()
    {
        var x = Input(10);
        Assert.Equal(Ops.Relu(x).ToArray(), new ReLU().Forward(x).ToArray());
        Assert.Equal(Ops.Gelu(x).ToArray(), new GELU().Forward(x).ToArray());
        Assert.Equal(Ops.Silu(x).ToArray(), new SiLU().Forward(x).ToArray());
        Assert.Equal(Ops.Tanh(x).ToArray(), new Tanh().Forward(x).ToArray());
        Assert.Empty(new ReLU().Parameters());
    }
}
