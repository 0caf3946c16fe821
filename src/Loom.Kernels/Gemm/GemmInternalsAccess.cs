using System.Runtime.CompilerServices;

// The GEMM tests force each micro-kernel and thread count through Gemm's internal overload.
[assembly: InternalsVisibleTo("Loom.Tests")]
