using Loom.Core;
using Loom.Evaluation.Images;

namespace Loom.Tests.Evaluation;

public class PrecisionRecallTests
{
    private static double[][] Cloud(LoomRandom rng, int n, double centre, double spread, int d = 4) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => centre + spread * rng.NextGaussian()).ToArray()).ToArray();

    [Fact]
    public void Identical_sets_have_full_precision_and_recall()
    {
        var set = Cloud(new LoomRandom(1), 100, 0, 1);
        var result = PrecisionRecall.Compute(set, set);
        Assert.Equal(1, result.Precision);
        Assert.Equal(1, result.Recall);
        Assert.Equal(3, result.K);
    }

    [Fact]
    public void Disjoint_sets_have_none()
    {
        var rng = new LoomRandom(2);
        var result = PrecisionRecall.Compute(Cloud(rng, 100, 0, 1), Cloud(rng, 100, 50, 1));
        Assert.Equal(0, result.Precision);
        Assert.Equal(0, result.Recall);
    }

    [Fact]
    public void Generated_inside_a_corner_of_the_real_set_is_precise_but_misses_the_rest()
    {
        // Real: a wide cloud. Generated: a tight cloud at its centre (mode collapse) — every sample looks real, but
        // the samples' small manifold covers few real points.
        var rng = new LoomRandom(3);
        var real = Cloud(rng, 300, 0, 1, d: 2);
        var generated = Cloud(rng, 300, 0, 0.1, d: 2);
        var result = PrecisionRecall.Compute(real, generated);
        Assert.True(result.Precision > 0.9, $"precision {result.Precision}");
        Assert.True(result.Recall < 0.3, $"recall {result.Recall}");
    }

    [Fact]
    public void Kth_neighbour_distance_is_the_squared_distance_to_the_kth_other_point()
    {
        double[][] line = [[0], [1], [3], [6]];
        Assert.Equal(new double[] { 1, 1, 4, 9 }, PrecisionRecall.KthNeighbourDistances(line, 1));
        Assert.Equal(new double[] { 9, 4, 9, 25 }, PrecisionRecall.KthNeighbourDistances(line, 2));
    }

    [Fact]
    public void K_must_leave_neighbours()
    {
        var set = Cloud(new LoomRandom(4), 3, 0, 1);
        Assert.Throws<LoomException>(() => PrecisionRecall.Compute(set, set, k: 3));
        Assert.Throws<LoomException>(() => PrecisionRecall.Compute(set, set, k: 0));
    }
}
