using Loom.Core;
using Loom.Training.Text;

namespace Loom.Tests.Training.Text;

public class TextSplitTests
{
    [Fact]
    public void Stream_split_holds_out_the_last_tenth_of_the_characters()
    {
        string text = string.Concat(Enumerable.Range(0, 100).Select(i => (char)('a' + i % 26)));
        var split = TextSplit.Create(text, TextMode.Stream);
        Assert.Equal(text[..90], split.Train);
        Assert.Equal(text[90..], split.Validation);
    }

    [Fact]
    public void Stream_split_never_cuts_a_surrogate_pair()
    {
        string text = new string('a', 8) + "😀" + "bb"; // 12 UTF-16 units; 90 % lands between the pair's halves (index 9)
        var split = TextSplit.Create(text, TextMode.Stream, fraction: 0.25);
        Assert.Equal(text, split.Train + split.Validation);
        Assert.False(char.IsLowSurrogate(split.Validation[0]));
    }

    [Fact]
    public void Lines_split_is_seeded_keeps_order_and_partitions_the_lines()
    {
        var names = Enumerable.Range(0, 50).Select(i => $"name{i:D2}").ToArray();
        string text = string.Join("\r\n", names) + "\n\n";
        var a = TextSplit.Create(text, TextMode.Lines, seed: 1);
        var b = TextSplit.Create(text, TextMode.Lines, seed: 1);
        var c = TextSplit.Create(text, TextMode.Lines, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Validation, c.Validation);
        var train = TextSplit.Lines(a.Train);
        var val = TextSplit.Lines(a.Validation);
        Assert.Equal(45, train.Length);
        Assert.Equal(5, val.Length);
        Assert.Equal(names.Order(), train.Concat(val).Order());
        Assert.Equal(train.Order(StringComparer.Ordinal), train);
        Assert.NotEqual(names[^5..], val); // not simply the tail
    }

    [Fact]
    public void Too_little_data_to_split_is_a_clear_error()
    {
        Assert.Contains("too few", Assert.Throws<LoomException>(() => TextSplit.Create("a\nb\n", TextMode.Lines)).Message);
        Assert.Contains("too few", Assert.Throws<LoomException>(() => TextSplit.Create("abc", TextMode.Stream)).Message);
    }
}
