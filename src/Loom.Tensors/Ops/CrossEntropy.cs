using System.Numerics.Tensors;
using Loom.Core;
using SoftmaxKernel = Loom.Kernels.Softmax;

namespace Loom.Tensors;

/// <summary>Fused softmax cross-entropy: log-softmax and the negative log-likelihood in one op.</summary>
public static partial class Ops
{
    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [N, C] (or [..., C], every leading position a row) against
    /// one class index per row, as a rank-0 tensor. Rows whose target equals <paramref name="ignoreIndex"/> count
    /// neither in the sum nor in the mean. With <paramref name="labelSmoothing"/> ε the target distribution is
    /// (1 − ε)·one-hot + ε/C. When every target is ignored the loss is 0 and its gradient is zero (not NaN), so a
    /// fully padded batch is harmless.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, int[] targets, int ignoreIndex = -100, float labelSmoothing = 0f)
    {
        if (logits.Rank < 1)
            throw LoomException.Shape("cross-entropy", $"logits {ShapeUtil.Format(logits.Shape)} need a class dimension");
        int classes = logits.Size(-1);
        int rows = ShapeUtil.Product(logits.Shape[..^1]);
        if (targets.Length != rows)
            throw LoomException.Shape("cross-entropy", $"logits {ShapeUtil.Format(logits.Shape)} have {rows} rows but {targets.Length} targets were given");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw LoomException.Argument($"cross-entropy: label smoothing must be in [0, 1], found {labelSmoothing}");
        int count = 0;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)classes)
                throw LoomException.Argument($"cross-entropy: target {t} at row {r} is out of range for {classes} classes");
            count++;
        }

        // log-softmax of every row, kept for the backward pass (softmax = exp of it).
        var logProbs = StorageArena.New(rows * classes);
        SoftmaxKernel.LogForward(logits.Detach().Contiguous().AsSpan(), logProbs, rows, classes);
        float onTarget = 1f - labelSmoothing, uniform = classes == 0 ? 0f : labelSmoothing / classes;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            ReadOnlySpan<float> row = logProbs.AsSpan(r * classes, classes);
            double loss = -onTarget * row[t];
            if (uniform != 0f) loss -= uniform * (double)TensorPrimitives.Sum(row);
            total += loss;
        }
        float value = count == 0 ? 0f : (float)(total / count);

        int[] shape = logits.ShapeArray;
        int[] ownTargets = (int[])targets.Clone();
        return Tensor.FromOp("cross_entropy", [logits], [value], [], g =>
        {
            var dx = StorageArena.New(rows * classes);
            if (count == 0) return [new Tensor(dx, shape)];
            // d loss / d logits = (softmax − target distribution) / count, per non-ignored row.
            float scale = g.Item() / count;
            for (int r = 0; r < rows; r++)
            {
                int t = ownTargets[r];
                if (t == ignoreIndex) continue;
                Span<float> row = dx.AsSpan(r * classes, classes);
                TensorPrimitives.Exp(logProbs.AsSpan(r * classes, classes), row);
                if (uniform != 0f) TensorPrimitives.Subtract(row, uniform, row);
                row[t] -= onTarget;
                TensorPrimitives.Multiply(row, scale, row);
            }
            return [new Tensor(dx, shape)];
        });
    }
}
