namespace Loom.Kernels;

/// <summary>
/// Process-wide kernel settings. The thread count is part of the result: the same thread count gives bit-identical
/// results; a different one may change the order of floating-point sums.
/// </summary>
public static class KernelOptions
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Worker threads multi-threaded kernels may use (≥ 1). Defaults to the processor count.</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1) throw Core.LoomException.Argument($"threads must be at least 1, found {value}");
            _threads = value;
        }
    }
}
