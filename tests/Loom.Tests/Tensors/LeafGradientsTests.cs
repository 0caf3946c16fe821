using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class LeafGradientsTests
{
    private static (Tensor W, Tensor B) Leaves()
    {
        var rng = new LoomRandom(3);
        var w = Tensor.Randn(rng, [4, 3]);
        var b = Tensor.Randn(rng, [3]);
        w.RequiresGrad = true;
        b.RequiresGrad = true;
        return (w, b);
    }

    private static Tensor Loss(Tensor w, Tensor b, ulong seed)
    {
        var x = Tensor.Randn(new LoomRandom(seed), [5, 4]);
        return Ops.Sum(Ops.Tanh(Ops.MatMul(x, w) + b));
    }

    [Fact]
    public void Collected_gradients_equal_a_plain_backward_and_leave_Grad_untouched()
    {
        var (w, b) = Leaves();
        Loss(w, b, 7).Backward();
        float[] plainW = w.Grad!.ToArray(), plainB = b.Grad!.ToArray();

        var (w2, b2) = Leaves();
        var collected = new LeafGradients();
        Loss(w2, b2, 7).Backward(null, collected);
        Assert.Null(w2.Grad);
        Assert.Null(b2.Grad);
        Assert.Equal(2, collected.Count);
        Assert.Equal(plainW, collected[w2]!.ToArray());
        Assert.Equal(plainB, collected[b2]!.ToArray());

        collected.AddToLeaves();
        Assert.Equal(plainW, w2.Grad!.ToArray());
        Assert.Equal(0, collected.Count);
    }

    [Fact]
    public void Two_collectors_added_in_order_equal_two_backward_passes_into_Grad()
    {
        var (w, b) = Leaves();
        Loss(w, b, 7).Backward();
        Loss(w, b, 8).Backward();

        var (w2, b2) = Leaves();
        var first = new LeafGradients();
        var second = new LeafGradients();
        // Run on two threads at once: the graphs share the leaves, the collectors do not.
        Parallel.Invoke(() => Loss(w2, b2, 7).Backward(null, first), () => Loss(w2, b2, 8).Backward(null, second));
        first.AddToLeaves();
        second.AddToLeaves();
        Assert.Equal(w.Grad!.ToArray(), w2.Grad!.ToArray());
        Assert.Equal(b.Grad!.ToArray(), b2.Grad!.ToArray());
    }
}
