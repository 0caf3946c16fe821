using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class LeakyReluTests
{
    // ±[0.2, 2]: no input within the finite-difference step of the kink at 0.
    private static Tensor AwayFromZero(LoomRandom r, int[] s)
    {
        var t = Tensor.Rand(r, s, 0.2f, 2f);
        var d = t.DataSpan;
        for (int i = 0; i < d.Length; i++) if (r.NextSingle() < 0.5f) d[i] = -d[i];
        return t;
    }

    [Theory]
    [InlineData(0.2f)]
    [InlineData(0.01f)]
    public void Matches_the_reference_with_finite_difference_gradients(float slope) =>
        GradCheck.CheckOp(x => Ops.LeakyRelu(x[0], slope), v => v[0].Select(x => x > 0 ? x : slope * x).ToArray(), [[3, 5]],
            makeInput: AwayFromZero);
}
