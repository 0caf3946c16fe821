using Loom.Cli;
using Loom.Training.Text;
using Spectre.Console;

namespace Loom.Tests.Cli;

public class TrainCharLmQuickstartTests
{
    [Fact]
    public void Pseudo_names_are_seeded_distinct_and_name_shaped()
    {
        var a = PseudoNames.Generate(500, seed: 4);
        Assert.Equal(a, PseudoNames.Generate(500, seed: 4));
        Assert.NotEqual(a, PseudoNames.Generate(500, seed: 5));
        Assert.Equal(500, a.Distinct().Count());
        Assert.All(a, n => Assert.Matches("^[a-z]{3,12}$", n));
        Assert.EndsWith("\n", PseudoNames.Text(3, 1));
    }

    [Fact]
    public void Char_lm_demo_learns_the_names_and_samples_reproducibly()
    {
        var options = new QuickstartOptions(Seed: 9, Quick: true);
        var steps = new List<int>();
        var outcome = new CharLmQuickstart(steps: 5).Run(options, p => steps.Add(p.Step), CancellationToken.None);
        var json = outcome.ToJson();
        Assert.Equal(Enumerable.Range(1, 5), steps);
        double before = (double)json["valLossBefore"]!, after = (double)json["valLoss"]!;
        Assert.True(after < before - 0.25, $"held-out loss {after} after training vs {before} before");
        var samples = json["samples"]!.AsArray().Select(s => (string)s!).ToList();
        Assert.Equal(12, samples.Count);
        Assert.All(samples, s => Assert.DoesNotContain("\n", s));

        var again = new CharLmQuickstart(steps: 5).Run(options, _ => { }, CancellationToken.None).ToJson();
        Assert.Equal(samples, again["samples"]!.AsArray().Select(s => (string)s!));

        var writer = new StringWriter();
        outcome.Render(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No }));
        Assert.Contains("Invented names", writer.ToString());
        Assert.Contains(samples[0], writer.ToString());
    }
}
