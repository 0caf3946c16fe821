namespace Loom.Kernels;

/// <summary>
/// The plain triple loop that <see cref="Gemm"/> is tested against. Row-major, contiguous operands:
/// A is stored m×k (k×m when transA), B is stored k×n (n×k when transB), C is m×n.
/// C = op(A)·op(B), or C += op(A)·op(B) when accumulate. Sums in double so it is the more exact of the two.
/// </summary>
public static class GemmReference
{
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
    {
        Gemm.Validate(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[p * m + i] : a[i * k + p];
                float bv = transB ? b[j * k + p] : b[p * n + j];
                sum += (double)av * bv;
            }
            c[i * n + j] = accumulate ? c[i * n + j] + (float)sum : (float)sum;
        }
    }
}
