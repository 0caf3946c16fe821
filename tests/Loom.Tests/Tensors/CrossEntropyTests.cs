using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class CrossEntropyTests
{
    /// <summary>Plain cross-entropy in double: −Σ q·log softmax over kept rows, divided by their count.</summary>
    private static float[] Reference(float[] logits, int classes, int[] targets, int ignoreIndex, float smoothing)
    {
        double total = 0;
        int count = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            var row = logits.Skip(r * classes).Take(classes).Select(v => (double)v).ToArray();
            double max = row.Max();
            double lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            for (int c = 0; c < classes; c++)
            {
                double q = (c == targets[r] ? 1 - smoothing : 0) + smoothing / classes;
                total -= q * (row[c] - lse);
            }
            count++;
        }
        return [count == 0 ? 0f : (float)(total / count)];
    }

    [Fact]
    public void Plain_targets()
    {
        int[] targets = [2, 0, 4];
        GradCheck.CheckOp(x => Ops.CrossEntropy(x[0], targets), v => Reference(v[0], 5, targets, -100, 0f), [[3, 5]]);
    }

    [Fact]
    public void Ignored_rows_and_label_smoothing_over_three_dimensional_logits()
    {
        int[] targets = [1, -100, 3, 0, 2, -100];
        GradCheck.CheckOp(x => Ops.CrossEntropy(x[0], targets, labelSmoothing: 0.1f),
            v => Reference(v[0], 4, targets, -100, 0.1f), [[2, 3, 4]]);
    }

    [Fact]
    public void Custom_ignore_index_and_transposed_logits()
    {
        int[] targets = [0, 2, 1, 2];
        // logits [4 rows, 3 classes] as the transpose of a [3, 4] tensor.
        GradCheck.CheckOp(x => Ops.CrossEntropy(x[0].Transpose(0, 1), targets, ignoreIndex: 1), null, [[3, 4]]);
    }

    [Fact]
    public void Matches_log_softmax_of_the_target_for_one_row()
    {
        var logits = Tensor.FromArray([1f, 2f, 3f], 1, 3);
        float expected = -(3f - MathF.Log(MathF.Exp(1f) + MathF.Exp(2f) + MathF.Exp(3f)));
        Assert.Equal(expected, Ops.CrossEntropy(logits, [2]).Item(), 5);
    }

    [Fact]
    public void Stays_finite_for_huge_logits()
    {
        var loss = Ops.CrossEntropy(Tensor.FromArray([1e4f, -1e4f, 0f, 1e4f], 2, 2), [1, 1]);
        Assert.Equal(1e4f, loss.Item(), 0);
    }

    [Fact]
    public void All_ignored_gives_zero_loss_and_zero_gradient()
    {
        var logits = Tensor.Randn(new LoomRandom(1), [2, 3]).WithGrad();
        var loss = Ops.CrossEntropy(logits, [-100, -100]);
        Assert.Equal(0f, loss.Item());
        loss.Backward();
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Out_of_range_target_names_the_index_and_class_count()
    {
        var e = Assert.Throws<LoomException>(() => Ops.CrossEntropy(Tensor.Zeros(2, 5), [1, 7]));
        Assert.Contains("7", e.Message);
        Assert.Contains("5 classes", e.Message);
        Assert.Throws<LoomException>(() => Ops.CrossEntropy(Tensor.Zeros(2, 5), [-1, 0]));
        Assert.Throws<LoomException>(() => Ops.CrossEntropy(Tensor.Zeros(2, 5), [0]));
        Assert.Throws<LoomException>(() => Ops.CrossEntropy(Tensor.Zeros(2, 5), [0, 0], labelSmoothing: 1.5f));
    }
}
