using System.Buffers;
using System.Numerics.Tensors;

namespace Loom.Kernels;

/// <summary>
/// Layer norm and RMS norm over the rows of a row-major rows×cols matrix, with backward passes. gamma/beta are
/// per-column and may be empty (no affine). Forward passes save mean/rstd per row for the backward pass; backward
/// passes ACCUMULATE dgamma/dbeta (+=), which may be empty when not wanted. y may be the same span as x and dx the
/// same as dy. Same contract as <see cref="NormalizationReference"/>.
/// </summary>
public static class Normalization
{
    /// <summary>y = (x − mean)·rstd ⊙ gamma + beta with rstd = 1/√(var + eps); writes mean and rstd per row.</summary>
    public static void LayerNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols, float eps)
    {
        ValidateLayerNormForward(x.Length, gamma.Length, beta.Length, y.Length, mean.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            // Corrected two-pass variance: center on the float mean, then remove what rounding left in that mean
            // (the sum of the centered values). Exact to float precision even when |mean| ≫ std, unlike E[x²]−E[x]².
            float m0 = TensorPrimitives.Sum(xr) / cols;
            TensorPrimitives.Subtract(xr, m0, yr);
            double residual = TensorPrimitives.Sum(yr);
            double sumSq = TensorPrimitives.SumOfSquares(yr);
            double variance = Math.Max(0, (sumSq - residual * residual / cols) / cols);
            float correction = (float)(residual / cols);
            float rs = (float)(1 / Math.Sqrt(variance + eps));
            mean[r] = (float)(m0 + residual / cols);
            rstd[r] = rs;
            TensorPrimitives.Subtract(yr, correction, yr);
            TensorPrimitives.Multiply(yr, rs, yr);
            ApplyAffine(yr, gamma, beta);
        }
    }

    /// <summary>
    /// dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)) with x̂ = (x − mean)·rstd, g = dy ⊙ gamma;
    /// dgamma += Σ_rows dy ⊙ x̂, dbeta += Σ_rows dy.
    /// </summary>
    public static void LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int rows, int cols)
    {
        ValidateLayerNormBackward(x.Length, gamma.Length, mean.Length, rstd.Length, dy.Length, dx.Length,
            dgamma.Length, dbeta.Length, rows, cols);
        if (cols == 0) return;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * cols);
        try
        {
            Span<float> xhat = rented.AsSpan(0, cols), g = rented.AsSpan(cols, cols);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
                float rs = rstd[r];
                TensorPrimitives.Subtract(x.Slice(r * cols, cols), mean[r], xhat);
                TensorPrimitives.Multiply(xhat, rs, xhat);
                AccumulateParameterGrads(dyr, xhat, dgamma, dbeta);
                GradOfNormalized(dyr, gamma, g);
                float meanG = TensorPrimitives.Sum(g) / cols;
                float meanGx = TensorPrimitives.Dot(g, xhat) / cols;
                TensorPrimitives.Subtract(g, meanG, g);
                Span<float> dxr = dx.Slice(r * cols, cols);
                TensorPrimitives.MultiplyAdd(xhat, -meanGx, g, dxr);
                TensorPrimitives.Multiply(dxr, rs, dxr);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>y = x·rstd ⊙ gamma with rstd = 1/√(mean(x²) + eps); writes rstd per row.</summary>
    public static void RmsNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, Span<float> rstd,
        int rows, int cols, float eps)
    {
        ValidateRmsNormForward(x.Length, gamma.Length, y.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            double meanSq = (double)TensorPrimitives.SumOfSquares(xr) / cols;
            float rs = (float)(1 / Math.Sqrt(meanSq + eps));
            rstd[r] = rs;
            TensorPrimitives.Multiply(xr, rs, yr);
            if (!gamma.IsEmpty) TensorPrimitives.Multiply(yr, gamma, yr);
        }
    }

    /// <summary>dx = rstd·(g − x̂·mean(g ⊙ x̂)) with x̂ = x·rstd, g = dy ⊙ gamma; dgamma += Σ_rows dy ⊙ x̂.</summary>
    public static void RmsNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, int rows, int cols)
    {
        ValidateBackward("rms norm backward", x.Length, gamma.Length, rstd.Length, dy.Length, dx.Length, dgamma.Length, rows, cols);
        if (cols == 0) return;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * cols);
        try
        {
            Span<float> xhat = rented.AsSpan(0, cols), g = rented.AsSpan(cols, cols);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> dyr = dy.Slice(r * cols, cols);
                float rs = rstd[r];
                TensorPrimitives.Multiply(x.Slice(r * cols, cols), rs, xhat);
                AccumulateParameterGrads(dyr, xhat, dgamma, []);
                GradOfNormalized(dyr, gamma, g);
                float meanGx = TensorPrimitives.Dot(g, xhat) / cols;
                Span<float> dxr = dx.Slice(r * cols, cols);
                TensorPrimitives.MultiplyAdd(xhat, -meanGx, g, dxr);
                TensorPrimitives.Multiply(dxr, rs, dxr);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void ApplyAffine(Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
    {
        if (!gamma.IsEmpty && !beta.IsEmpty) TensorPrimitives.FusedMultiplyAdd(y, gamma, beta, y);
        else if (!gamma.IsEmpty) TensorPrimitives.Multiply(y, gamma, y);
        else if (!beta.IsEmpty) TensorPrimitives.Add(y, beta, y);
    }

    // dgamma += dy ⊙ x̂ and dbeta += dy, row by row in order, so the sums do not depend on the thread count.
    private static void AccumulateParameterGrads(ReadOnlySpan<float> dy, ReadOnlySpan<float> xhat, Span<float> dgamma, Span<float> dbeta)
    {
        if (!dgamma.IsEmpty) TensorPrimitives.MultiplyAdd(dy, xhat, dgamma, dgamma);
        if (!dbeta.IsEmpty) TensorPrimitives.Add(dbeta, dy, dbeta);
    }

    // The gradient with respect to the normalized (pre-affine) values: dy ⊙ gamma, or dy without an affine.
    private static void GradOfNormalized(ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, Span<float> g)
    {
        if (gamma.IsEmpty) dy.CopyTo(g);
        else TensorPrimitives.Multiply(dy, gamma, g);
    }

    internal static void ValidateLayerNormForward(int xLength, int gammaLength, int betaLength, int yLength,
        int meanLength, int rstdLength, int rows, int cols)
    {
        const string op = "layer norm";
        ValidateRmsNormForward(xLength, gammaLength, yLength, rstdLength, rows, cols, op);
        RowChecks.OptionalPerColumn(op, "beta", betaLength, cols);
        RowChecks.PerRow(op, "mean", meanLength, rows);
    }

    internal static void ValidateRmsNormForward(int xLength, int gammaLength, int yLength, int rstdLength,
        int rows, int cols, string op = "rms norm")
    {
        RowChecks.Dimensions(op, rows, cols);
        RowChecks.Matrix(op, "x", xLength, rows, cols);
        RowChecks.Matrix(op, "y", yLength, rows, cols);
        RowChecks.OptionalPerColumn(op, "gamma", gammaLength, cols);
        RowChecks.PerRow(op, "rstd", rstdLength, rows);
    }

    internal static void ValidateLayerNormBackward(int xLength, int gammaLength, int meanLength, int rstdLength,
        int dyLength, int dxLength, int dgammaLength, int dbetaLength, int rows, int cols)
    {
        const string op = "layer norm backward";
        ValidateBackward(op, xLength, gammaLength, rstdLength, dyLength, dxLength, dgammaLength, rows, cols);
        RowChecks.PerRow(op, "mean", meanLength, rows);
        RowChecks.OptionalPerColumn(op, "dbeta", dbetaLength, cols);
    }

    internal static void ValidateBackward(string op, int xLength, int gammaLength, int rstdLength, int dyLength,
        int dxLength, int dgammaLength, int rows, int cols)
    {
        RowChecks.Dimensions(op, rows, cols);
        RowChecks.Matrix(op, "x", xLength, rows, cols);
        RowChecks.Matrix(op, "dy", dyLength, rows, cols);
        RowChecks.Matrix(op, "dx", dxLength, rows, cols);
        RowChecks.OptionalPerColumn(op, "gamma", gammaLength, cols);
        RowChecks.OptionalPerColumn(op, "dgamma", dgammaLength, cols);
        RowChecks.PerRow(op, "rstd", rstdLength, rows);
    }
}
