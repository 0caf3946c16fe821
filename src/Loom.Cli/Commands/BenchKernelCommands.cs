using System.CommandLine;

namespace Loom.Cli;

/// <summary>`loom bench gemm|matvec`: kernel throughput.</summary>
public static class BenchKernelCommands
{
    public static IEnumerable<Command> Create() => [];
}
