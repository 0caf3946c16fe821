using Loom.Core;

namespace Loom.Models.Flows;

/// <summary>
/// Plain double-precision linear algebra on the small square matrices of <see cref="InvertibleConv1x1"/> (C ≤ a few
/// hundred): a random rotation, LU with partial pivoting, the inverse and log|det|. Row-major arrays; nothing here is
/// on a hot path, so clarity wins over speed.
/// </summary>
internal static class SmallMatrix
{
    /// <summary>A random orthogonal n×n matrix: Gram–Schmidt (twice, for accuracy) on a Gaussian matrix's rows.</summary>
    public static double[] RandomOrthogonal(int n, LoomRandom rng)
    {
        var q = new double[n * n];
        for (int i = 0; i < q.Length; i++) q[i] = rng.NextGaussian();
        for (int i = 0; i < n; i++)
        {
            var row = q.AsSpan(i * n, n);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int j = 0; j < i; j++)
                {
                    var previous = q.AsSpan(j * n, n);
                    double dot = Dot(row, previous);
                    for (int k = 0; k < n; k++) row[k] -= dot * previous[k];
                }
            }
            double norm = Math.Sqrt(Dot(row, row));
            for (int k = 0; k < n; k++) row[k] /= norm;
        }
        return q;
    }

    /// <summary>
    /// A = P·L·U with P a permutation matrix, L unit lower triangular and U upper triangular (partial pivoting:
    /// the largest remaining entry of each column becomes the pivot, which keeps L's entries within ±1).
    /// </summary>
    public static (double[] P, double[] L, double[] U) LuDecompose(ReadOnlySpan<double> a, int n)
    {
        var u = a.ToArray();
        var l = new double[n * n];
        var rows = Enumerable.Range(0, n).ToArray(); // rows[i]: which row of A sits at row i of P⁻¹A
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(u[r * n + col]) > Math.Abs(u[pivot * n + col])) pivot = r;
            if (u[pivot * n + col] == 0) throw LoomException.Argument($"LU: the {n}×{n} matrix is singular (column {col})");
            if (pivot != col)
            {
                SwapRows(u, n, pivot, col);
                SwapRows(l, n, pivot, col);
                (rows[pivot], rows[col]) = (rows[col], rows[pivot]);
            }
            for (int r = col + 1; r < n; r++)
            {
                double factor = u[r * n + col] / u[col * n + col];
                l[r * n + col] = factor;
                for (int k = col; k < n; k++) u[r * n + k] -= factor * u[col * n + k];
            }
        }
        for (int i = 0; i < n; i++) l[i * n + i] = 1;
        // P⁻¹A = LU with (P⁻¹A)[i] = A[rows[i]], so P[rows[i], i] = 1.
        var p = new double[n * n];
        for (int i = 0; i < n; i++) p[rows[i] * n + i] = 1;
        return (p, l, u);
    }

    /// <summary>The inverse by Gauss–Jordan elimination with partial pivoting.</summary>
    public static double[] Inverse(ReadOnlySpan<double> a, int n)
    {
        var m = a.ToArray();
        var inverse = Identity(n);
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[pivot * n + col])) pivot = r;
            if (m[pivot * n + col] == 0) throw LoomException.Argument($"inverse: the {n}×{n} matrix is singular (column {col})");
            SwapRows(m, n, pivot, col);
            SwapRows(inverse, n, pivot, col);
            double scale = 1 / m[col * n + col];
            for (int k = 0; k < n; k++) { m[col * n + k] *= scale; inverse[col * n + k] *= scale; }
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double factor = m[r * n + col];
                if (factor == 0) continue;
                for (int k = 0; k < n; k++) { m[r * n + k] -= factor * m[col * n + k]; inverse[r * n + k] -= factor * inverse[col * n + k]; }
            }
        }
        return inverse;
    }

    /// <summary>log|det A| from the LU factors (the sum of log|U_ii|).</summary>
    public static double LogAbsDet(ReadOnlySpan<double> a, int n)
    {
        var (_, _, u) = LuDecompose(a, n);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Log(Math.Abs(u[i * n + i]));
        return sum;
    }

    /// <summary>A·B for n×n matrices.</summary>
    public static double[] Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double aik = a[i * n + k];
                if (aik == 0) continue;
                for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        return c;
    }

    public static double[] Identity(int n)
    {
        var m = new double[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void SwapRows(double[] m, int n, int a, int b)
    {
        if (a == b) return;
        for (int k = 0; k < n; k++) (m[a * n + k], m[b * n + k]) = (m[b * n + k], m[a * n + k]);
    }
}
