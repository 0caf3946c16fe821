using Loom.Core;
using Loom.Evaluation.Images;
using MathNet.Numerics.LinearAlgebra;

namespace Loom.Tests.Evaluation;

public class FrechetDistanceTests
{
    [Fact]
    public void Diagonal_gaussians_match_the_closed_form()
    {
        double[] m1 = [0.5, -1, 2], m2 = [1.5, 0, 2], v1 = [1, 4, 0.25], v2 = [2, 1, 0.25];
        double expected = 0;
        for (int i = 0; i < 3; i++)
            expected += (m1[i] - m2[i]) * (m1[i] - m2[i]) + v1[i] + v2[i] - 2 * Math.Sqrt(v1[i] * v2[i]);
        double fd = FrechetDistance.Between(Vector<double>.Build.DenseOfArray(m1), Matrix<double>.Build.DenseOfDiagonalArray(v1),
            Vector<double>.Build.DenseOfArray(m2), Matrix<double>.Build.DenseOfDiagonalArray(v2));
        Assert.Equal(expected, fd, 10);
    }

    [Fact]
    public void Full_covariance_and_a_scaled_copy_match_the_closed_form()
    {
        // Σ₂ = c·Σ₁ ⇒ (Σ₁^½ Σ₂ Σ₁^½)^½ = √c·Σ₁, so the trace term is Tr Σ₁ · (1 + c − 2√c); this exercises the
        // eigendecompositions on a matrix that is not diagonal.
        var rng = new LoomRandom(5);
        var a = Matrix<double>.Build.Dense(6, 6, (_, _) => rng.NextGaussian());
        var sigma = a * a.Transpose() + Matrix<double>.Build.DenseIdentity(6) * 0.1;
        var mean = Vector<double>.Build.Dense(6, i => i);
        const double c = 2.5;
        double expected = sigma.Trace() * (1 + c - 2 * Math.Sqrt(c)) + 6 * 0.3 * 0.3;
        double fd = FrechetDistance.Between(mean, sigma, mean + 0.3, sigma * c);
        Assert.Equal(expected, fd, 8);
    }

    [Fact]
    public void Identical_sets_are_at_zero_and_a_shift_grows_the_distance()
    {
        var rng = new LoomRandom(11);
        var set = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, 8).Select(_ => rng.NextGaussian()).ToArray()).ToArray();
        Assert.InRange(FrechetDistance.Between(set, set), 0, 1e-8);
        double previous = 0;
        foreach (double shift in new[] { 0.25, 0.5, 1.0 })
        {
            var moved = set.Select(v => v.Select(x => x + shift).ToArray()).ToArray();
            double fd = FrechetDistance.Between(set, moved);
            Assert.Equal(8 * shift * shift, fd, 6);
            Assert.True(fd > previous);
            previous = fd;
        }
    }

    [Fact]
    public void Too_few_vectors_or_mismatched_lengths_are_refused()
    {
        double[][] one = [[1, 2]];
        double[][] two = [[1, 2], [3, 4]];
        Assert.Throws<LoomException>(() => FrechetDistance.Between(one, two));
        Assert.Throws<LoomException>(() => FrechetDistance.Between(two, [[1, 2, 3], [4, 5, 6]]));
    }
}
