using Loom.Core;

namespace Loom.Evaluation.Images;

/// <summary>Precision (how much of the generated set lies on the real manifold) and recall (how much of the real set the generated manifold covers).</summary>
public sealed record PrecisionRecallResult(double Precision, double Recall, int K);

/// <summary>
/// Improved precision and recall (Kynkäänniemi et al., 2019). A set's manifold is the union of balls around its
/// points, each with the radius to the point's k-th nearest neighbour in the same set. Precision: the fraction of
/// generated points inside the real manifold; recall: the fraction of real points inside the generated manifold.
/// Distances are Euclidean in double, computed exhaustively (sets of a few thousand points).
/// </summary>
public static class PrecisionRecall
{
    public const int DefaultK = 3;

    public static PrecisionRecallResult Compute(IReadOnlyList<double[]> real, IReadOnlyList<double[]> generated, int k = DefaultK,
        CancellationToken cancellation = default)
    {
        if (k < 1) throw LoomException.Argument($"precision/recall: k must be at least 1, found {k}");
        if (real.Count <= k || generated.Count <= k)
            throw LoomException.Argument($"precision/recall: need more than k = {k} real and generated points, found {real.Count} real and {generated.Count} generated");
        var realRadii = KthNeighbourDistances(real, k, cancellation);
        var generatedRadii = KthNeighbourDistances(generated, k, cancellation);
        double precision = FractionInside(generated, real, realRadii, cancellation);
        double recall = FractionInside(real, generated, generatedRadii, cancellation);
        return new PrecisionRecallResult(precision, recall, k);
    }

    /// <summary>For each point, the squared distance to its k-th nearest other point of the same set.</summary>
    public static double[] KthNeighbourDistances(IReadOnlyList<double[]> points, int k, CancellationToken cancellation = default)
    {
        var radii = new double[points.Count];
        var distances = new double[points.Count - 1];
        for (int i = 0; i < points.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = 0;
            for (int j = 0; j < points.Count; j++)
                if (j != i) distances[n++] = SquaredDistance(points[i], points[j]);
            Array.Sort(distances);
            radii[i] = distances[k - 1];
        }
        return radii;
    }

    // The fraction of queries within some manifold point's radius (squared distances throughout, so no roots).
    private static double FractionInside(IReadOnlyList<double[]> queries, IReadOnlyList<double[]> manifold, double[] radii, CancellationToken cancellation)
    {
        int inside = 0;
        foreach (var q in queries)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int j = 0; j < manifold.Count; j++)
                if (SquaredDistance(q, manifold[j]) <= radii[j]) { inside++; break; }
        }
        return (double)inside / queries.Count;
    }

    private static double SquaredDistance(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw LoomException.Shape("precision/recall", $"feature vectors of {a.Length} and {b.Length} values");
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
