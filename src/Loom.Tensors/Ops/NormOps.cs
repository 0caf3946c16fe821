using Loom.Core;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>Layer norm and RMS norm over the last dimension, through the fused kernels in Loom.Kernels.Normalization.</summary>
public static partial class Ops
{
    /// <summary>
    /// (x − mean)/√(var + eps) ⊙ gamma + beta over the last dimension of x [..., C]; gamma and beta are [C] or null
    /// (no scale / no shift). The variance is the population variance, as in PyTorch.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float eps = 1e-5f)
    {
        var (rows, cols) = NormRows(x, "layer_norm");
        CheckNormParameter("layer_norm", "gamma", gamma, x);
        CheckNormParameter("layer_norm", "beta", beta, x);
        var input = x.Detach().Contiguous();
        float[] g = ParameterValues(gamma), b = ParameterValues(beta);
        var y = StorageArena.New(x.Length);
        var mean = StorageArena.New(rows);
        var rstd = StorageArena.New(rows);
        Normalization.LayerNormForward(input.AsSpan(), g, b, y, mean, rstd, rows, cols, eps);

        int[] shape = x.ShapeArray;
        var inputs = NormInputs(x, gamma, beta);
        return Tensor.FromOp("layer_norm", inputs, y, shape, dy =>
        {
            // The kernel always computes dx; dgamma/dbeta only when asked (empty spans otherwise).
            var dx = StorageArena.New(y.Length);
            var dgamma = StorageArena.New(gamma is { RequiresGrad: true } ? cols : 0);
            var dbeta = StorageArena.New(beta is { RequiresGrad: true } ? cols : 0);
            Normalization.LayerNormBackward(input.AsSpan(), g, mean, rstd, dy.Contiguous().AsSpan(), dx, dgamma, dbeta, rows, cols);
            return NormGrads(x, dx, shape, gamma, dgamma, beta, dbeta);
        });
    }

    /// <summary>x/√(mean(x²) + eps) ⊙ gamma over the last dimension of x [..., C]; gamma is [C] or null.</summary>
    public static Tensor RmsNorm(Tensor x, Tensor? gamma, float eps = 1e-6f)
    {
        var (rows, cols) = NormRows(x, "rms_norm");
        CheckNormParameter("rms_norm", "gamma", gamma, x);
        var input = x.Detach().Contiguous();
        float[] g = ParameterValues(gamma);
        var y = StorageArena.New(x.Length);
        var rstd = StorageArena.New(rows);
        Normalization.RmsNormForward(input.AsSpan(), g, y, rstd, rows, cols, eps);

        int[] shape = x.ShapeArray;
        return Tensor.FromOp("rms_norm", NormInputs(x, gamma, null), y, shape, dy =>
        {
            var dx = StorageArena.New(y.Length);
            var dgamma = StorageArena.New(gamma is { RequiresGrad: true } ? cols : 0);
            Normalization.RmsNormBackward(input.AsSpan(), g, rstd, dy.Contiguous().AsSpan(), dx, dgamma, rows, cols);
            return NormGrads(x, dx, shape, gamma, dgamma, null, []);
        });
    }

    private static (int Rows, int Cols) NormRows(Tensor x, string op)
    {
        if (x.Rank < 1) throw LoomException.Shape(op, "input needs at least one dimension to normalize over");
        int cols = x.Size(-1);
        return (ShapeUtil.Product(x.Shape[..^1]), cols);
    }

    private static void CheckNormParameter(string op, string name, Tensor? p, Tensor x)
    {
        if (p != null && (p.Rank != 1 || p.Size(0) != x.Size(-1)))
            throw LoomException.Shape(op, $"{name} {ShapeUtil.Format(p.Shape)} does not fit input {ShapeUtil.Format(x.Shape)}: expected [{x.Size(-1)}]");
    }

    private static float[] ParameterValues(Tensor? p) => p?.ToArray() ?? [];

    private static Tensor[] NormInputs(Tensor x, Tensor? gamma, Tensor? beta)
    {
        var inputs = new List<Tensor> { x };
        if (gamma != null) inputs.Add(gamma);
        if (beta != null) inputs.Add(beta);
        return inputs.ToArray();
    }

    /// <summary>Gradients in the order of <see cref="NormInputs"/>: x, then gamma and beta where present.</summary>
    private static Tensor?[] NormGrads(Tensor x, float[] dx, int[] shape, Tensor? gamma, float[] dgamma, Tensor? beta, float[] dbeta)
    {
        var grads = new List<Tensor?> { x.RequiresGrad ? new Tensor(dx, shape) : null };
        if (gamma != null) grads.Add(gamma.RequiresGrad ? new Tensor(dgamma, gamma.ShapeArray) : null);
        if (beta != null) grads.Add(beta.RequiresGrad ? new Tensor(dbeta, beta.ShapeArray) : null);
        return grads.ToArray();
    }
}
