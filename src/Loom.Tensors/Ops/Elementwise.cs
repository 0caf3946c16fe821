using System.Numerics.Tensors;
using Loom.Core;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>
/// Elementwise functions. Each forward is one vectorized pass (TensorPrimitives or Loom.Kernels.Activations) and
/// each backward one fused pass over (x, y, dy): writing dx = dy·f′ with other ops would allocate a tensor per factor.
/// </summary>
public static partial class Ops
{
    public static Tensor Exp(Tensor a) => Unary("exp", a, TensorPrimitives.Exp,
        (x, y, dy, dx) => TensorPrimitives.Multiply(dy, y, dx));

    /// <summary>Natural logarithm (−∞ at 0, NaN below).</summary>
    public static Tensor Log(Tensor a) => Unary("log", a, TensorPrimitives.Log,
        (x, y, dy, dx) => TensorPrimitives.Divide(dy, x, dx));

    public static Tensor Sqrt(Tensor a) => Unary("sqrt", a, TensorPrimitives.Sqrt, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = 0.5f * dy[i] / y[i];
    });

    /// <summary>x^p for a constant exponent p.</summary>
    public static Tensor Pow(Tensor a, float p) => Unary("pow", a, (x, y) => TensorPrimitives.Pow(x, p, y), (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * p * MathF.Pow(x[i], p - 1);
    });

    public static Tensor Square(Tensor a) => Unary("square", a, (x, y) => TensorPrimitives.Multiply(x, x, y), (x, y, dy, dx) =>
    {
        TensorPrimitives.Multiply(dy, x, dx);
        TensorPrimitives.Multiply(dx, 2f, dx);
    });

    /// <summary>1/x.</summary>
    public static Tensor Reciprocal(Tensor a) => Unary("reciprocal", a, TensorPrimitives.Reciprocal, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = -dy[i] * y[i] * y[i];
    });

    /// <summary>|x|; the gradient at 0 is 0.</summary>
    public static Tensor Abs(Tensor a) => Unary("abs", a, TensorPrimitives.Abs, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0f;
    });

    /// <summary>min(max(x, min), max); the gradient passes where min ≤ x ≤ max.</summary>
    public static Tensor Clamp(Tensor a, float min, float max)
    {
        if (!(min <= max)) throw LoomException.Argument($"clamp: min {min} must not exceed max {max}");
        return Unary("clamp", a, (x, y) =>
        {
            for (int i = 0; i < y.Length; i++) y[i] = Math.Clamp(x[i], min, max);
        }, (x, y, dy, dx) =>
        {
            for (int i = 0; i < dx.Length; i++) dx[i] = x[i] >= min && x[i] <= max ? dy[i] : 0f;
        });
    }

    public static Tensor Tanh(Tensor a) => Unary("tanh", a, TensorPrimitives.Tanh, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
    });

    public static Tensor Sigmoid(Tensor a) => Unary("sigmoid", a, TensorPrimitives.Sigmoid, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
    });

    /// <summary>max(x, 0); the gradient at 0 is 0.</summary>
    public static Tensor Relu(Tensor a) => Unary("relu", a, (x, y) => TensorPrimitives.Max(x, 0f, y), (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > 0 ? dy[i] : 0f;
    });

    /// <summary>GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static Tensor Gelu(Tensor a) => Unary("gelu", a, Activations.Gelu,
        (x, y, dy, dx) => Activations.GeluBackward(x, dy, dx));

    /// <summary>SiLU (swish): x·σ(x).</summary>
    public static Tensor Silu(Tensor a) => Unary("silu", a, Activations.Silu,
        (x, y, dy, dx) => Activations.SiluBackward(x, dy, dx));

    /// <summary>log(1 + eˣ), computed as log1p(e^−|x|) + max(x, 0) so large |x| neither overflows nor loses digits.</summary>
    public static Tensor Softplus(Tensor a) => Unary("softplus", a, (x, y) =>
    {
        for (int i = 0; i < y.Length; i++) y[i] = (float)Math.Log(1 + Math.Exp(-Math.Abs(x[i]))) + MathF.Max(x[i], 0);
    }, (x, y, dy, dx) =>
    {
        // d softplus / dx = σ(x).
        TensorPrimitives.Sigmoid(x, dx);
        TensorPrimitives.Multiply(dx, dy, dx);
    });

    private delegate void UnaryForward(ReadOnlySpan<float> x, Span<float> y);

    private delegate void UnaryBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>An elementwise op y = f(x); the backward rule sees the input, the output and dy, and writes dx.</summary>
    private static Tensor Unary(string op, Tensor a, UnaryForward forward, UnaryBackward backward)
    {
        // Reading a contiguous input in place costs no copy; the graph keeps it alive until backward anyway.
        var input = a.Detach().Contiguous();
        var data = StorageArena.New(a.Length);
        forward(input.AsSpan(), data);
        int[] shape = a.ShapeArray;
        return Tensor.FromOp(op, [a], data, shape, g =>
        {
            var dx = StorageArena.New(data.Length);
            backward(input.AsSpan(), data, g.Contiguous().AsSpan(), dx);
            return [new Tensor(dx, shape)];
        });
    }
}
