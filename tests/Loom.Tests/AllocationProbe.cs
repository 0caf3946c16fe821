namespace Loom.Tests;

/// <summary>
/// Measures managed allocations on the calling thread. The runtime itself allocates now and then on a thread that
/// runs code it is re-compiling (tiered JIT, on-stack replacement), so one window can show a few hundred bytes that
/// are not the code's. Code that really allocates does so in every window; the fewest bytes over a few windows is the
/// code's own figure.
/// </summary>
public static class AllocationProbe
{
    public static long FewestBytes(Action window, int windows = 3)
    {
        long fewest = long.MaxValue;
        for (int i = 0; i < windows && fewest != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
