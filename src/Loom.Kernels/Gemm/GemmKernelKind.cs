namespace Loom.Kernels;

/// <summary>The micro-kernels GEMM can run; tests force each one this CPU supports.</summary>
internal enum GemmKernelKind
{
    Portable,
    Avx2,
    Avx512,
}

internal static class GemmKernels
{
    /// <summary>The fastest kernel this CPU supports, chosen once at start-up.</summary>
    public static GemmKernelKind Best { get; } =
        GemmKernelAvx512.IsSupported ? GemmKernelKind.Avx512 :
        GemmKernelAvx2.IsSupported ? GemmKernelKind.Avx2 :
        GemmKernelKind.Portable;

    public static bool IsSupported(GemmKernelKind kind) => kind switch
    {
        GemmKernelKind.Avx512 => GemmKernelAvx512.IsSupported,
        GemmKernelKind.Avx2 => GemmKernelAvx2.IsSupported,
        _ => true,
    };

    /// <summary>Every kernel this CPU can run, slowest first.</summary>
    public static IEnumerable<GemmKernelKind> Supported() =>
        Enum.GetValues<GemmKernelKind>().Where(IsSupported);

    public static (int Mr, int Nr) TileOf(GemmKernelKind kind) => kind switch
    {
        GemmKernelKind.Avx512 => (GemmKernelAvx512.Mr, GemmKernelAvx512.Nr),
        GemmKernelKind.Avx2 => (GemmKernelAvx2.Mr, GemmKernelAvx2.Nr),
        _ => (GemmKernelPortable.Mr, GemmKernelPortable.Nr),
    };
}
