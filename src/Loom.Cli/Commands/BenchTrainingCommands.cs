using System.CommandLine;

namespace Loom.Cli;

/// <summary>`loom bench train-mlp`: training throughput and memory.</summary>
public static class BenchTrainingCommands
{
    public static IEnumerable<Command> Create() => [];
}
