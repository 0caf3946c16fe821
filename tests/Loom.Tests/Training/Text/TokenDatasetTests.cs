using Loom.Core;
using Loom.Training.Text;

namespace Loom.Tests.Training.Text;

public class TokenDatasetTests
{
    [Fact]
    public void Stream_samples_are_windows_whose_targets_are_the_inputs_shifted_by_one()
    {
        var tokens = Enumerable.Range(0, 100).ToArray(); // token i at position i: a window starting at s is s, s+1, …
        var data = new TokenStreamDataset(tokens, contextLength: 8, characterCount: 100);
        var batch = data.Sample(new LoomRandom(3), batchSize: 5);
        Assert.Equal((5, 8), (batch.BatchSize, batch.Length));
        for (int b = 0; b < 5; b++)
        {
            int start = batch.Inputs[b * 8];
            Assert.InRange(start, 0, 100 - 9);
            for (int t = 0; t < 8; t++)
            {
                Assert.Equal(start + t, batch.Inputs[b * 8 + t]);
                Assert.Equal(start + t + 1, batch.Targets[b * 8 + t]);
            }
        }
        Assert.Equal(batch.Inputs, data.Sample(new LoomRandom(3), 5).Inputs);
    }

    [Fact]
    public void Stream_evaluation_predicts_every_token_after_the_first_exactly_once()
    {
        var tokens = Enumerable.Range(0, 30).ToArray();
        var data = new TokenStreamDataset(tokens, contextLength: 8, characterCount: 30);
        var targets = data.EvaluationBatches(batchSize: 2).SelectMany(b => b.Targets).Where(t => t != TokenBatch.IgnoreIndex).ToList();
        Assert.Equal(Enumerable.Range(1, 29), targets);
        Assert.Equal(29, data.TargetCount);
        Assert.Equal(29, data.EvaluationBatches(3).Sum(b => b.TargetCount));
    }

    [Fact]
    public void Short_stream_uses_shorter_windows_and_too_short_is_an_error()
    {
        var data = new TokenStreamDataset([5, 6, 7], contextLength: 8, characterCount: 3);
        Assert.Equal(2, data.WindowLength);
        Assert.Equal(new[] { 5, 6 }, data.Sample(new LoomRandom(1), 1).Inputs);
        Assert.Contains("too few", Assert.Throws<LoomException>(() => new TokenStreamDataset([1], 8, 1, "training data")).Message);
    }

    [Fact]
    public void Lines_become_boundary_tokens_boundary_padded_with_ignored_targets()
    {
        const int B = 9;
        var data = new LineDataset([[1, 2, 3], [4]], boundary: B, contextLength: 16, characterCount: 6);
        var batch = data.EvaluationBatches(batchSize: 2).Single();
        Assert.Equal(4, batch.Length);
        Assert.Equal(new[] { B, 1, 2, 3, /* row 2 */ B, 4, B, B }, batch.Inputs);
        Assert.Equal(new[] { 1, 2, 3, B, /* row 2 */ 4, B, -100, -100 }, batch.Targets);
        Assert.Equal(6, data.TargetCount);
        Assert.Equal(3.0, data.TargetsPerExample);
    }

    [Fact]
    public void Lines_longer_than_the_context_are_cut_and_counted()
    {
        var data = new LineDataset([[1, 2, 3, 4, 5], [6]], boundary: 0, contextLength: 3, characterCount: 8);
        Assert.Equal(1, data.TruncatedLines);
        var batch = data.EvaluationBatches(2).Single();
        Assert.Equal(3, batch.Length);
        Assert.Equal(new[] { 0, 1, 2, 0, 6, 0 }, batch.Inputs);
        Assert.Equal(new[] { 1, 2, 3, 6, 0, -100 }, batch.Targets);
        Assert.Equal(5, data.TargetCount);
    }

    [Fact]
    public void Line_samples_are_whole_lines_drawn_by_the_generator()
    {
        var lines = Enumerable.Range(0, 20).Select(i => Enumerable.Repeat(i + 1, i % 4 + 1).ToArray()).ToList();
        var data = new LineDataset(lines, boundary: 0, contextLength: 10, characterCount: 100);
        var batch = data.Sample(new LoomRandom(7), batchSize: 6);
        Assert.Equal(batch.Targets, data.Sample(new LoomRandom(7), 6).Targets);
        for (int r = 0; r < 6; r++)
        {
            int id = batch.Targets[r * batch.Length];
            int length = (id - 1) % 4 + 1;
            Assert.Equal(Enumerable.Repeat(id, length).Append(0), batch.Targets.Skip(r * batch.Length).Take(length + 1));
        }
        Assert.Contains("no lines", Assert.Throws<LoomException>(() => new LineDataset([], 0, 4, 0)).Message);
    }
}
