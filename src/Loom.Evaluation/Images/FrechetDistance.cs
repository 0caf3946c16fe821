using Loom.Core;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Loom.Evaluation.Images;

/// <summary>
/// The Fréchet (2-Wasserstein) distance between two Gaussians fitted to feature sets:
/// ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). The matrix square roots come from symmetric eigendecompositions
/// with eigenvalues clipped at zero (covariances of few samples are singular, and rounding makes tiny eigenvalues
/// negative); Σ₁^½ Σ₂ Σ₁^½ is symmetric positive semi-definite, so this avoids the complex results a general sqrtm
/// of Σ₁Σ₂ can give.
/// </summary>
public static class FrechetDistance
{
    public static double Between(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b) =>
        Between(FeatureStatistics.Of(a), FeatureStatistics.Of(b));

    public static double Between(FeatureStatistics a, FeatureStatistics b) => Between(a.Mean, a.Covariance, b.Mean, b.Covariance);

    public static double Between(Vector<double> mean1, Matrix<double> sigma1, Vector<double> mean2, Matrix<double> sigma2)
    {
        int d = mean1.Count;
        if (mean2.Count != d || sigma1.RowCount != d || sigma1.ColumnCount != d || sigma2.RowCount != d || sigma2.ColumnCount != d)
            throw LoomException.Shape("frechet distance", $"expected means of {d} and {d}×{d} covariances, found {mean2.Count}, {sigma1.RowCount}×{sigma1.ColumnCount} and {sigma2.RowCount}×{sigma2.ColumnCount}");
        double meanTerm = (mean1 - mean2).DotProduct(mean1 - mean2);
        var root1 = SymmetricSqrt(sigma1);
        var product = root1 * sigma2 * root1;
        double crossTrace = SymmetricEigenvalues(product).Sum(v => Math.Sqrt(Math.Max(v, 0)));
        double distance = meanTerm + sigma1.Trace() + sigma2.Trace() - 2 * crossTrace;
        // Rounding can leave a tiny negative value for identical sets; a distance is never below zero.
        return Math.Max(distance, 0);
    }

    /// <summary>V·diag(√max(λ, 0))·Vᵀ for a symmetric positive semi-definite matrix.</summary>
    public static Matrix<double> SymmetricSqrt(Matrix<double> matrix)
    {
        var evd = Symmetrized(matrix).Evd(Symmetricity.Symmetric);
        var roots = Vector<double>.Build.Dense(matrix.RowCount, i => Math.Sqrt(Math.Max(evd.EigenValues[i].Real, 0)));
        return evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalVector(roots) * evd.EigenVectors.Transpose();
    }

    private static IEnumerable<double> SymmetricEigenvalues(Matrix<double> matrix) =>
        Symmetrized(matrix).Evd(Symmetricity.Symmetric).EigenValues.Select(v => v.Real);

    // Products of symmetric matrices are symmetric only up to rounding; the symmetric solver wants it exact.
    private static Matrix<double> Symmetrized(Matrix<double> matrix) => (matrix + matrix.Transpose()) * 0.5;
}
