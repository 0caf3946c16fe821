namespace Loom.Kernels;

/// <summary>
/// The plain loops that <see cref="Normalization"/> is tested against: same contract (including += on dgamma and
/// dbeta), every sum in double, textbook two-pass variance.
/// </summary>
public static class NormalizationReference
{
    public static void LayerNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols, float eps)
    {
        Normalization.ValidateLayerNormForward(x.Length, gamma.Length, beta.Length, y.Length, mean.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double m = 0, v = 0;
            for (int j = 0; j < cols; j++) m += x[o + j];
            m /= cols;
            for (int j = 0; j < cols; j++) v += (x[o + j] - m) * (x[o + j] - m);
            v /= cols;
            double rs = 1 / Math.Sqrt(v + eps);
            mean[r] = (float)m;
            rstd[r] = (float)rs;
            for (int j = 0; j < cols; j++)
            {
                double value = (x[o + j] - m) * rs;
                if (!gamma.IsEmpty) value *= gamma[j];
                if (!beta.IsEmpty) value += beta[j];
                y[o + j] = (float)value;
            }
        }
    }

    public static void LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int rows, int cols)
    {
        Normalization.ValidateLayerNormBackward(x.Length, gamma.Length, mean.Length, rstd.Length, dy.Length, dx.Length,
            dgamma.Length, dbeta.Length, rows, cols);
        if (cols == 0) return;
        var xhat = new double[cols];
        var g = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double sumG = 0, sumGx = 0;
            for (int j = 0; j < cols; j++)
            {
                xhat[j] = (x[o + j] - (double)mean[r]) * rstd[r];
                g[j] = dy[o + j] * (gamma.IsEmpty ? 1.0 : gamma[j]);
                sumG += g[j];
                sumGx += g[j] * xhat[j];
                if (!dgamma.IsEmpty) dgamma[j] += (float)(dy[o + j] * xhat[j]);
                if (!dbeta.IsEmpty) dbeta[j] += dy[o + j];
            }
            for (int j = 0; j < cols; j++)
                dx[o + j] = (float)(rstd[r] * (g[j] - sumG / cols - xhat[j] * sumGx / cols));
        }
    }

    public static void RmsNormForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, Span<float> rstd,
        int rows, int cols, float eps)
    {
        Normalization.ValidateRmsNormForward(x.Length, gamma.Length, y.Length, rstd.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double sumSq = 0;
            for (int j = 0; j < cols; j++) sumSq += (double)x[o + j] * x[o + j];
            double rs = 1 / Math.Sqrt(sumSq / cols + eps);
            rstd[r] = (float)rs;
            for (int j = 0; j < cols; j++) y[o + j] = (float)(x[o + j] * rs * (gamma.IsEmpty ? 1.0 : gamma[j]));
        }
    }

    public static void RmsNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, int rows, int cols)
    {
        Normalization.ValidateBackward("rms norm backward", x.Length, gamma.Length, rstd.Length, dy.Length, dx.Length, dgamma.Length, rows, cols);
        if (cols == 0) return;
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double sumGx = 0;
            for (int j = 0; j < cols; j++)
            {
                double xhat = (double)x[o + j] * rstd[r];
                sumGx += dy[o + j] * (gamma.IsEmpty ? 1.0 : gamma[j]) * xhat;
                if (!dgamma.IsEmpty) dgamma[j] += (float)(dy[o + j] * xhat);
            }
            for (int j = 0; j < cols; j++)
            {
                double xhat = (double)x[o + j] * rstd[r];
                double g = dy[o + j] * (gamma.IsEmpty ? 1.0 : gamma[j]);
                dx[o + j] = (float)(rstd[r] * (g - xhat * sumGx / cols));
            }
        }
    }
}
