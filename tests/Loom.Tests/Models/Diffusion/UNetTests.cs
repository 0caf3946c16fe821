using Loom.Core;
using Loom.Models.Diffusion;
using Loom.Models.Diffusion.Models;
using Loom.Tensors;

namespace Loom.Tests.Models.Diffusion;

public class UNetTests
{
    [Fact]
    public void Default_unet_keeps_the_image_shape_and_has_attention_at_8x8()
    {
        var config = new UNetConfig { ImageChannels = 4 };
        var unet = new UNet(config, new LoomRandom(1));
        using var _ = GradMode.NoGrad();
        var x = Tensor.Randn(new LoomRandom(2), [2, 4, 32, 32]);
        var y = unet.Forward(x, [3, 900], Tensor.Randn(new LoomRandom(3), [2, config.EmbeddingDim]));
        Assert.Equal([2, 4, 32, 32], y.ShapeArray);
        Assert.Contains(unet.NamedModules(), m => m.Name == "down2attention0");
        Assert.DoesNotContain(unet.NamedModules(), m => m.Name == "down1attention0");
        Assert.InRange(unet.ParameterCount, 500_000, 3_000_000);
    }

    [Fact]
    public void Gradient_reaches_every_weight_of_the_network_and_caption_encoder()
    {
        var network = new DiffusionNetwork(TinyDiffusion.Config(), vocabularySize: 6, new LoomRandom(4));
        var x = Tensor.Randn(new LoomRandom(5), [3, 3, 8, 8]);
        // One caption dropped (null): the null condition gets a gradient too.
        var condition = network.Condition([[1, 2], null, [3]]);
        var y = network.PredictNoise(x, [0, 500, 999], condition);
        Assert.Equal(x.ShapeArray, y.ShapeArray);
        Ops.Mean(Ops.Square(y)).Backward();
        foreach (var (name, parameter) in network.NamedParameters())
        {
            var grad = parameter.Grad?.ToArray();
            Assert.True(grad is not null && grad.All(float.IsFinite) && grad.Any(g => g != 0), $"no gradient reached {name}");
        }
        // Words no caption used get none.
        var words = network.Captions!.NamedParameters().Single(p => p.Name == "words.weight").Parameter.Grad!;
        Assert.All(Enumerable.Range(0, 8), d => Assert.Equal(0f, words[0, d]));
    }

    [Fact]
    public void Same_seed_same_weights_same_output_and_the_timestep_matters()
    {
        Tensor Run(ulong seed, int t)
        {
            var unet = new UNet(TinyDiffusion.Unet(), new LoomRandom(seed));
            using var _ = GradMode.NoGrad();
            return unet.Forward(Tensor.Randn(new LoomRandom(9), [2, 3, 8, 8]), [t, t]);
        }
        Assert.Equal(Run(7, 10).ToArray(), Run(7, 10).ToArray());
        Assert.NotEqual(Run(7, 10).ToArray(), Run(7, 800).ToArray());
        Assert.NotEqual(Run(7, 10).ToArray(), Run(8, 10).ToArray());
    }

    [Fact]
    public void Wrong_shapes_are_refused_naming_them()
    {
        var unet = new UNet(TinyDiffusion.Unet(), new LoomRandom(1));
        var error = Assert.Throws<LoomException>(() => unet.Forward(Tensor.Zeros(1, 3, 16, 16), [0]));
        Assert.Contains("[1, 3, 16, 16]", error.Message);
        Assert.Throws<LoomException>(() => unet.Forward(Tensor.Zeros(2, 3, 8, 8), [0]));
        Assert.Throws<LoomException>(() => new UNet(TinyDiffusion.Unet() with { ImageSize = 6, ChannelMultipliers = [1, 2, 2] }, new LoomRandom(1)));
    }
}
