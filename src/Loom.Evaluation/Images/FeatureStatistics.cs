using Loom.Core;
using MathNet.Numerics.LinearAlgebra;

namespace Loom.Evaluation.Images;

/// <summary>The mean and covariance (unbiased, n − 1) of a set of feature vectors, in double.</summary>
public sealed record FeatureStatistics(Vector<double> Mean, Matrix<double> Covariance, int Count)
{
    public static FeatureStatistics Of(IReadOnlyList<double[]> features)
    {
        if (features.Count < 2) throw LoomException.Argument($"feature statistics: need at least 2 feature vectors for a covariance, found {features.Count}");
        int d = features[0].Length;
        var mean = new double[d];
        foreach (var row in features)
        {
            if (row.Length != d) throw LoomException.Shape("feature statistics", $"expected vectors of {d} features, found one of {row.Length}");
            for (int j = 0; j < d; j++) mean[j] += row[j];
        }
        for (int j = 0; j < d; j++) mean[j] /= features.Count;

        // Centred rows as one matrix, so the covariance is a single product (Xcᵀ·Xc) / (n − 1).
        var centred = Matrix<double>.Build.Dense(features.Count, d, (i, j) => features[i][j] - mean[j]);
        var covariance = centred.TransposeThisAndMultiply(centred) / (features.Count - 1);
        return new FeatureStatistics(Vector<double>.Build.DenseOfArray(mean), covariance, features.Count);
    }
}
