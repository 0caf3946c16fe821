namespace Loom.Kernels;

/// <summary>
/// One GEMM call's operands as raw pointers (pinned by the caller for the whole call, workers included) and its
/// shape: A stored m×k (k×m when TransA), B stored k×n (n×k when TransB), C m×n, all row-major and contiguous.
/// </summary>
internal readonly unsafe struct GemmOperands(float* a, float* b, float* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
{
    public readonly float* A = a;
    public readonly float* B = b;
    public readonly float* C = c;
    public readonly int M = m;
    public readonly int N = n;
    public readonly int K = k;
    public readonly bool TransA = transA;
    public readonly bool TransB = transB;
    public readonly bool Accumulate = accumulate;
}
