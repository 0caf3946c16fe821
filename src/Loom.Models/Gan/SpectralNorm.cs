using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>
/// Spectral normalization (Miyato et al. 2018): a weight is divided by an estimate of its largest singular value σ,
/// so the layer is (about) 1-Lipschitz. The weight is viewed as a matrix [out, rest]; u [out] is the persistent
/// estimate of the top left singular vector, refined by one power-iteration step per training forward.
/// </summary>
public static class SpectralNorm
{
    /// <summary>
    /// W / σ with σ = uᵀ W v, v = normalize(Wᵀu). With <paramref name="update"/> (training) u first takes one power
    /// step, u ← normalize(W v), in place. u and v are constants of the graph: the gradient of σ is u vᵀ, which is
    /// exact at v's optimum for the given u (the envelope theorem), so gradients match finite differences.
    /// </summary>
    public static Tensor Normalize(Tensor weight, Tensor u, bool update)
    {
        int rows = weight.Size(0), cols = weight.Length / rows;
        var w = weight.Detach().Contiguous().AsSpan();
        var uData = u.DataSpan;
        var v = new float[cols];
        MultiplyTransposed(w, uData, v, rows, cols);
        Normalize(v);
        if (update)
        {
            MultiplyRows(w, v, uData, rows, cols);
            Normalize(uData);
        }
        var sigma = Ops.Sum(Ops.Mul(Ops.MatMul(Tensor.FromArray(uData, 1, rows), weight.Reshape(rows, cols)), Tensor.FromArray(v, 1, cols)));
        return Ops.Div(weight, sigma);
    }

    /// <summary>The current estimate σ = ‖Wᵀu‖ (= uᵀWv at v's optimum) of the largest singular value.</summary>
    public static float Estimate(Tensor weight, Tensor u)
    {
        int rows = weight.Size(0), cols = weight.Length / rows;
        var v = new float[cols];
        MultiplyTransposed(weight.Detach().Contiguous().AsSpan(), u.Contiguous().AsSpan(), v, rows, cols);
        return Norm(v);
    }

    /// <summary>A random unit vector for u's start.</summary>
    public static Tensor InitialU(int rows, Loom.Core.LoomRandom rng)
    {
        var u = Tensor.Randn(rng, [rows]);
        Normalize(u.DataSpan);
        return u;
    }

    // v = Wᵀu
    private static void MultiplyTransposed(ReadOnlySpan<float> w, ReadOnlySpan<float> u, Span<float> v, int rows, int cols)
    {
        v.Clear();
        for (int r = 0; r < rows; r++)
        {
            float ur = u[r];
            var row = w.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) v[c] += row[c] * ur;
        }
    }

    // u = W v
    private static void MultiplyRows(ReadOnlySpan<float> w, ReadOnlySpan<float> v, Span<float> u, int rows, int cols)
    {
        for (int r = 0; r < rows; r++) u[r] = System.Numerics.Tensors.TensorPrimitives.Dot(w.Slice(r * cols, cols), v);
    }

    private static float Norm(ReadOnlySpan<float> x) => System.Numerics.Tensors.TensorPrimitives.Norm(x);

    // The 1e-12 floor keeps an all-zero weight from dividing by zero (PyTorch's eps).
    private static void Normalize(Span<float> x)
    {
        float n = Math.Max(Norm(x), 1e-12f);
        for (int i = 0; i < x.Length; i++) x[i] /= n;
    }
}
