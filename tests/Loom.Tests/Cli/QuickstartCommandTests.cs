using System.CommandLine;
using Loom.Cli;
using Spectre.Console;

namespace Loom.Tests.Cli;

public class QuickstartCommandTests
{
    [Fact]
    public void Quick_run_reports_accuracies_and_shows_map_confusion_table_and_shapes()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        using var dir = new Loom.Tests.Training.Trainer.TempDirectory();
        var json = QuickstartCommand.Run(new QuickstartOptions(Seed: 3, Quick: true, OutDir: dir.Path), console);

        Assert.Equal(["spirals", "shapes", "names", "images"], json["demos"]!.AsObject().Select(d => d.Key));
        Assert.True(File.Exists((string)json["demos"]!["images"]!["grid"]!), "the image demo's sample grid");
        Assert.InRange(json["demos"]!["spirals"]!["trainAccuracy"]!.GetValue<float>(), 0.99f, 1f);
        Assert.InRange(json["demos"]!["shapes"]!["heldOutAccuracy"]!.GetValue<float>(), 0.8f, 1f);
        var names = json["demos"]!["names"]!;
        Assert.True((double)names["valLoss"]! < (double)names["uniformLoss"]!, $"names: held-out loss {names["valLoss"]} is not below uniform {names["uniformLoss"]}");
        Assert.NotEmpty(names["samples"]!.AsArray());
        string text = writer.ToString();
        Assert.Contains("Two spirals", text);
        Assert.Contains("●", text);
        Assert.Contains("Held-out accuracy", text);
        Assert.Contains("triangle", text);
        Assert.Contains("✓", text);
        Assert.Contains("Invented names", text);
        Assert.Contains("shapes-vae-samples.png", text);
    }

    [Fact]
    public void Options_parse_from_the_command_line()
    {
        var parse = CliApp.BuildRoot().Parse(["quickstart", "--quick", "--json", "--seed", "7"]);
        Assert.Empty(parse.Errors);
        Assert.Equal("quickstart", parse.CommandResult.Command.Name);
        Assert.NotEmpty(CliApp.BuildRoot().Parse(["quickstart", "--seed", "minus-one"]).Errors);
    }
}
