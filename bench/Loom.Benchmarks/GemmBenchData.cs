namespace Loom.Benchmarks;

/// <summary>Operands for the GEMM and matrix-vector benchmarks: values in [−0.5, 0.5), fixed seed.</summary>
internal static class GemmBenchData
{
    public static float[] Uniform(long length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}
