using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Tests.Nn;

public class ScheduleClipEmaTests
{
    [Fact]
    public void Warmup_cosine_endpoints()
    {
        Assert.Equal(0.1f, LrSchedule.WarmupCosine(0, 10, 110, 1f, 0.1f), 6);    // 1/10 of max on the first step
        Assert.Equal(1f, LrSchedule.WarmupCosine(9, 10, 110, 1f, 0.1f), 6);      // max at the end of warmup
        Assert.Equal(1f, LrSchedule.WarmupCosine(10, 10, 110, 1f, 0.1f), 6);     // cosine starts at max
        Assert.Equal(0.55f, LrSchedule.WarmupCosine(60, 10, 110, 1f, 0.1f), 6);  // halfway: mean of max and min
        Assert.Equal(0.1f, LrSchedule.WarmupCosine(110, 10, 110, 1f, 0.1f), 6);  // min at the end
        Assert.Equal(0.1f, LrSchedule.WarmupCosine(500, 10, 110, 1f, 0.1f), 6);  // and after it
        Assert.Equal(2f, LrSchedule.WarmupCosine(0, 0, 10, 2f), 6);              // no warmup: start at max
    }

    [Fact]
    public void Warmup_cosine_rises_then_falls_monotonically()
    {
        var rates = Enumerable.Range(0, 130).Select(s => LrSchedule.WarmupCosine(s, 20, 120, 3e-3f, 1e-4f)).ToArray();
        for (int s = 1; s < 20; s++) Assert.True(rates[s] > rates[s - 1], $"warmup step {s}");
        for (int s = 21; s < 130; s++) Assert.True(rates[s] <= rates[s - 1], $"decay step {s}");
        Assert.All(rates, r => Assert.InRange(r, 1e-4f, 3e-3f));
        Assert.Throws<LoomException>(() => LrSchedule.WarmupCosine(0, 10, 5, 1f));
    }

    [Fact]
    public void Clip_global_norm_scales_all_gradients_and_returns_the_norm_before()
    {
        var a = new Parameter(Tensor.Zeros(2)) { Grad = Tensor.FromArray([3f, 4f], 2) };
        var b = new Parameter(Tensor.Zeros(1, 1)) { Grad = Tensor.FromArray([12f], 1, 1) };
        var none = new Parameter(Tensor.Zeros(3));
        float norm = GradClip.ClipGlobalNorm([a, b, none], 6.5f);
        Assert.Equal(13f, norm, 5);
        float scale = (float)(6.5 / (13 + 1e-6));
        Assert.Equal([3f * scale, 4f * scale], a.Grad.ToArray());
        Assert.Equal([12f * scale], b.Grad.ToArray());
        Assert.Null(none.Grad);
        // Under the limit nothing changes.
        float again = GradClip.ClipGlobalNorm([a, b], 100f);
        Assert.Equal(6.5f, again, 4);
        Assert.Equal([3f * scale, 4f * scale], a.Grad.ToArray());
    }

    [Fact]
    public void Ema_averages_swaps_and_copies()
    {
        var net = new TwoAffines();
        var ema = new Ema(net, 0.9f);
        net.Scale.Data.Fill(0f);
        ema.Update(); // 0.9·1 + 0.1·0
        net.Scale.Data.Fill(10f);
        ema.Update(); // 0.9·0.9 + 0.1·10
        Assert.Equal(0.9f * 0.9f + 1f, ema.StateDict()["scale"].ToArray()[0], 6);
        Assert.Equal(2, ema.UpdateCount);

        ema.Swap();
        Assert.Equal(1.81f, net.Scale.Value.ToArray()[0], 6);
        ema.Swap();
        Assert.Equal(10f, net.Scale.Value.ToArray()[0]);

        var copy = new TwoAffines();
        ema.CopyTo(copy);
        Assert.Equal(1.81f, copy.Scale.Value.ToArray()[1], 6);
        Assert.Equal(net.First.Weight.Value.ToArray(), copy.First.Weight.Value.ToArray());

        var restored = new Ema(new TwoAffines(), 0.9f);
        restored.LoadStateDict(ema.StateDict(), ema.UpdateCount);
        Assert.Equal(ema.StateDict()["scale"].ToArray(), restored.StateDict()["scale"].ToArray());
    }
}
