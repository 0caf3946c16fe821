using System.CommandLine;

namespace Loom.Cli;

/// <summary>`loom quickstart`: trains small models on built-in data and shows what they learned.</summary>
public static class QuickstartCommand
{
    public static Command Create()
    {
        var command = new Command("quickstart", "Train small models on built-in data and show what they made");
        command.SetAction(_ =>
        {
            Console.WriteLine("quickstart: not built yet");
            return 0;
        });
        return command;
    }
}
