namespace Loom.Kernels;

/// <summary>
/// float32 matrix multiply, the engine's workhorse. Same contract as <see cref="GemmReference"/>:
/// row-major contiguous operands, A stored m×k (k×m when transA), B stored k×n (n×k when transB), C m×n;
/// C = op(A)·op(B), or C += op(A)·op(B) when accumulate. Uses up to <see cref="KernelOptions.Threads"/> threads.
/// </summary>
public static class Gemm
{
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
    {
        Validate(a.Length, b.Length, c.Length, m, n, k);
        // Placeholder until the packed kernel lands: a cache-friendly i-p-j loop.
        if (!accumulate) c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
        {
            Span<float> crow = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[p * m + i] : a[i * k + p];
                if (transB)
                    for (int j = 0; j < n; j++) crow[j] += av * b[j * k + p];
                else
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), av, crow, crow);
            }
        }
    }

    internal static void Validate(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw Core.LoomException.Argument($"gemm: dimensions must be non-negative, found m={m} n={n} k={k}");
        if (aLength < (long)m * k) throw Core.LoomException.Shape("gemm", $"A needs {(long)m * k} elements (m={m}, k={k}), found {aLength}");
        if (bLength < (long)k * n) throw Core.LoomException.Shape("gemm", $"B needs {(long)k * n} elements (k={k}, n={n}), found {bLength}");
        if (cLength < (long)m * n) throw Core.LoomException.Shape("gemm", $"C needs {(long)m * n} elements (m={m}, n={n}), found {cLength}");
    }
}
