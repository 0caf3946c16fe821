using System.Runtime.InteropServices;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// The few OpenBLAS entry points the comparison needs, from Debian's openblas-pthread build. Benchmarks only:
/// nothing in src/ may load it. OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE once, when the library loads,
/// so each kernel variant is measured in its own child process (<see cref="OpenBlasChild"/>).
/// </summary>
internal static unsafe partial class OpenBlasNative
{
    public const string LibraryPath = "/usr/lib/x86_64-linux-gnu/libopenblas.so.0";

    // CBLAS enum values (cblas.h).
    public const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(LibraryPath, EntryPoint = "cblas_sgemm")]
    public static partial void Sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(LibraryPath, EntryPoint = "cblas_sgemv")]
    public static partial void Sgemv(int order, int trans, int m, int n, float alpha, float* a, int lda,
        float* x, int incX, float beta, float* y, int incY);

    [LibraryImport(LibraryPath, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetNumThreads(int threads);

    [LibraryImport(LibraryPath, EntryPoint = "openblas_get_corename")]
    private static partial nint GetCoreNamePointer();

    /// <summary>The kernel family OpenBLAS chose (e.g. "Haswell", "SkylakeX", "Cooperlake", "Zen").</summary>
    public static string CoreName => Marshal.PtrToStringAnsi(GetCoreNamePointer()) ?? "unknown";

    public static bool IsInstalled => File.Exists(LibraryPath);
}
