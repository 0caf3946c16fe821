namespace Loom.Kernels;

/// <summary>
/// The plain loops that <see cref="Softmax"/> is tested against: same contract, sums in double so it is the more
/// exact of the two.
/// </summary>
public static class SoftmaxReference
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        Softmax.Validate("softmax", "x", x.Length, "y", y.Length, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            var (max, sum) = MaxAndSumOfExp(x.Slice(o, cols));
            for (int j = 0; j < cols; j++) y[o + j] = (float)(Math.Exp(x[o + j] - max) / sum);
        }
    }

    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        Softmax.Validate("log-softmax", "x", x.Length, "y", y.Length, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            var (max, sum) = MaxAndSumOfExp(x.Slice(o, cols));
            double logSum = Math.Log(sum);
            for (int j = 0; j < cols; j++) y[o + j] = (float)(x[o + j] - max - logSum);
        }
    }

    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        Softmax.ValidateBackward("softmax backward", "y", y.Length, dy.Length, dx.Length, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double dot = 0;
            for (int j = 0; j < cols; j++) dot += (double)dy[o + j] * y[o + j];
            for (int j = 0; j < cols; j++) dx[o + j] = (float)(y[o + j] * (dy[o + j] - dot));
        }
    }

    public static void LogBackward(ReadOnlySpan<float> logY, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        Softmax.ValidateBackward("log-softmax backward", "logY", logY.Length, dy.Length, dx.Length, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += dy[o + j];
            for (int j = 0; j < cols; j++) dx[o + j] = (float)(dy[o + j] - Math.Exp(logY[o + j]) * sum);
        }
    }

    // The row max and Σ exp(x − max), in double.
    private static (double Max, double Sum) MaxAndSumOfExp(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in row) max = Math.Max(max, v);
        foreach (float v in row) sum += Math.Exp(v - max);
        return (max, sum);
    }
}
