using System.CommandLine;

namespace Loom.Cli;

/// <summary>`loom bench …`: speed measurements that print human text or one JSON object.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure kernel and model speed");
        return command;
    }
}
