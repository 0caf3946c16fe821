using System.CommandLine;
using Loom.Core;

namespace Loom.Cli;

/// <summary>
/// The `loom` entry point: builds the verb tree (one file per verb under Commands/) and turns a LoomException into
/// one line on stderr and its exit code. --verbose adds the stack trace.
/// </summary>
public static class CliApp
{
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print stack traces on errors", Recursive = true };

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Loom: train, sample, run and serve generative models in pure C#.");
        root.Options.Add(Verbose);
        root.Subcommands.Add(QuickstartCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(FinetuneCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ChatCommand.Create());
        root.Subcommands.Add(LogitsCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(InpaintCommand.Create());
        root.Subcommands.Add(InterpolateCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(PromptsCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        bool verbose = parse.GetValue(Verbose);
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (LoomException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (verbose) Console.Error.WriteLine(e);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }
}
