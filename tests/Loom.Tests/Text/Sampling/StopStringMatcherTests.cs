using Loom.Core;
using Loom.Text.Sampling;

namespace Loom.Tests.Text.Sampling;

public class StopStringMatcherTests
{
    [Fact]
    public void A_stop_string_split_over_three_pieces_is_never_emitted()
    {
        var matcher = new StopStringMatcher(["<|end|>"]);
        Assert.Equal(new StopMatch("Hello ", false), matcher.Push("Hello <|"));
        Assert.Equal("<|", matcher.Held);
        Assert.Equal(new StopMatch("", false), matcher.Push("en"));
        Assert.Equal(new StopMatch("", true), matcher.Push("d|> and more"));
        Assert.True(matcher.Stopped);
        Assert.Equal(new StopMatch("", true), matcher.Push("ignored"));
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void A_partial_match_that_fails_is_released()
    {
        var matcher = new StopStringMatcher(["STOP"]);
        Assert.Equal(new StopMatch("a", false), matcher.Push("aST"));
        Assert.Equal(new StopMatch("STx", false), matcher.Push("x"));
        Assert.Equal(new StopMatch("", false), matcher.Push("S"));
        Assert.Equal("S", matcher.Flush()); // generation ended another way: the held text was real output
    }

    [Fact]
    public void A_failed_partial_match_can_hide_the_start_of_the_real_one()
    {
        // "xxy" with held "xx": the stop "xy" starts at the second x.
        var matcher = new StopStringMatcher(["xy"]);
        Assert.Equal(new StopMatch("a", false), matcher.Push("ax"));
        Assert.Equal(new StopMatch("x", false), matcher.Push("x"));
        Assert.Equal(new StopMatch("", true), matcher.Push("y!"));
    }

    [Fact]
    public void The_earliest_of_several_stop_strings_wins_and_text_before_it_is_kept()
    {
        var matcher = new StopStringMatcher(["world", "lo w"]);
        Assert.Equal(new StopMatch("hel", true), matcher.Push("hello world"));

        matcher = new StopStringMatcher(["\n\n", "END"]);
        Assert.Equal(new StopMatch("one\ntwo", false), matcher.Push("one\ntwo\n"));
        Assert.Equal(new StopMatch("\nthree ", true), matcher.Push("three END\n\n"));
    }

    [Fact]
    public void Streams_with_no_stop_strings_pass_through_and_reset_starts_over()
    {
        var none = new StopStringMatcher([]);
        Assert.Equal(new StopMatch("anything", false), none.Push("anything"));

        var matcher = new StopStringMatcher(["ab"]);
        matcher.Push("xab");
        Assert.True(matcher.Stopped);
        matcher.Reset();
        Assert.False(matcher.Stopped);
        Assert.Equal(new StopMatch("c", false), matcher.Push("ca"));
    }

    [Fact]
    public void Concatenated_output_equals_the_text_cut_at_the_first_stop_for_every_split()
    {
        const string text = "the cat sat; the dog ran. END of story END";
        string[] stops = ["END", "dog ran!", "sat;"];
        string expected = text[..text.IndexOf("sat;", StringComparison.Ordinal)];
        var random = new LoomRandom(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var matcher = new StopStringMatcher(stops);
            var output = new System.Text.StringBuilder();
            for (int at = 0; at < text.Length && !matcher.Stopped;)
            {
                int length = Math.Min(1 + random.NextInt(5), text.Length - at);
                output.Append(matcher.Push(text.Substring(at, length)).Text);
                at += length;
            }
            Assert.True(matcher.Stopped);
            Assert.Equal(expected, output.ToString());
        }
    }

    [Fact]
    public void Empty_stop_strings_are_refused() =>
        Assert.Throws<LoomException>(() => new StopStringMatcher(["ok", ""]));
}
