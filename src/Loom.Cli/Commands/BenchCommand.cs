using System.CommandLine;

namespace Loom.Cli;

/// <summary>`loom bench …`: speed measurements that print human text or one JSON object (--json).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure kernel and training speed");
        foreach (var sub in BenchKernelCommands.Create()) command.Subcommands.Add(sub);
        foreach (var sub in BenchTrainingCommands.Create()) command.Subcommands.Add(sub);
        command.Subcommands.Add(BenchLlmCommand.Create());
        return command;
    }
}
