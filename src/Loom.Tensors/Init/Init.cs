using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// Seeded initializers that fill a contiguous tensor in place (PyTorch's <c>torch.nn.init</c> formulas). Values are
/// drawn in row-major order from the given <see cref="LoomRandom"/>, so a seed reproduces a model exactly.
/// Initialization is not part of any graph: the tensor's data is overwritten directly.
/// </summary>
public static class Init
{
    public static Tensor Zeros(Tensor t) => Constant(t, 0f);

    public static Tensor Ones(Tensor t) => Constant(t, 1f);

    public static Tensor Constant(Tensor t, float value)
    {
        t.DataSpan.Fill(value);
        return t;
    }

    /// <summary>Samples N(mean, std²).</summary>
    public static Tensor Normal(Tensor t, LoomRandom rng, float mean = 0f, float std = 1f)
    {
        if (!(std >= 0)) throw LoomException.Argument($"init normal: std must be non-negative, found {std}");
        var data = t.DataSpan;
        for (int i = 0; i < data.Length; i++) data[i] = mean + std * (float)rng.NextGaussian();
        return t;
    }

    /// <summary>Samples U[low, high).</summary>
    public static Tensor Uniform(Tensor t, LoomRandom rng, float low = 0f, float high = 1f)
    {
        if (!(high >= low)) throw LoomException.Argument($"init uniform: high ({high}) must not be below low ({low})");
        var data = t.DataSpan;
        float width = high - low;
        for (int i = 0; i < data.Length; i++) data[i] = low + width * rng.NextSingle();
        return t;
    }

    /// <summary>
    /// He/Kaiming uniform: U(−b, b) with b = gain·√(3 / fan), gain from <paramref name="nonlinearity"/> (and the
    /// negative slope <paramref name="a"/> for leaky ReLU). PyTorch's Linear/Conv default is a = √5, leaky ReLU, fan-in.
    /// </summary>
    public static Tensor KaimingUniform(Tensor t, LoomRandom rng, float a = 0f, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        float std = KaimingStd(t, a, mode, nonlinearity);
        float bound = MathF.Sqrt(3f) * std;
        return Uniform(t, rng, -bound, bound);
    }

    /// <summary>He/Kaiming normal: N(0, std²) with std = gain / √fan.</summary>
    public static Tensor KaimingNormal(Tensor t, LoomRandom rng, float a = 0f, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) =>
        Normal(t, rng, 0f, KaimingStd(t, a, mode, nonlinearity));

    /// <summary>Glorot/Xavier uniform: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor t, LoomRandom rng, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t.Shape, "xavier_uniform");
        float bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        return Uniform(t, rng, -bound, bound);
    }

    /// <summary>Glorot/Xavier normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor t, LoomRandom rng, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t.Shape, "xavier_normal");
        return Normal(t, rng, 0f, gain * MathF.Sqrt(2f / (fanIn + fanOut)));
    }

    /// <summary>
    /// Fan-in and fan-out of a weight laid out [out, in, k…] (Linear [out, in], Conv [out, in/groups, kh, kw]):
    /// fan_in = shape[1]·∏k, fan_out = shape[0]·∏k. Needs rank ≥ 2.
    /// </summary>
    public static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape, string op = "init")
    {
        if (shape.Length < 2)
            throw LoomException.Shape(op, $"fan in/out need a tensor of rank ≥ 2, found {ShapeUtil.Format(shape)}");
        int receptive = ShapeUtil.Product(shape[2..]);
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).</summary>
    public static float Gain(Nonlinearity nonlinearity, float negativeSlope = 0.01f) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1f,
        Nonlinearity.Tanh => 5f / 3f,
        Nonlinearity.Relu => MathF.Sqrt(2f),
        Nonlinearity.LeakyRelu => MathF.Sqrt(2f / (1f + negativeSlope * negativeSlope)),
        _ => throw LoomException.Argument($"init gain: unknown nonlinearity {nonlinearity}"),
    };

    private static float KaimingStd(Tensor t, float a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = Fans(t.Shape, "kaiming");
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw LoomException.Shape("kaiming", $"fan is zero for shape {ShapeUtil.Format(t.Shape)}");
        return Gain(nonlinearity, a) / MathF.Sqrt(fan);
    }
}

/// <summary>Which fan Kaiming initialization preserves: fan-in keeps forward variance, fan-out backward variance.</summary>
public enum FanMode
{
    FanIn,
    FanOut,
}

/// <summary>The nonlinearity that follows a layer, which sets the initializer's gain.</summary>
public enum Nonlinearity
{
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
}
