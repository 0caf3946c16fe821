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
        var batch = data.Sample(new LoomRandom(1), batchSize: 8);
        int longRow = Enumerable.Range(0, 8).First(r => batch.Targets[r * batch.Length] == 1);
        int shortRow = Enumerable.Range(0, 8).First(r => batch.Targets[r * batch.Length] == 4);
        Assert.Equal(4, batch.Length);
        Assert.Equal(new[] { B, 1, 2, 3 }, batch.Inputs.Skip(longRow * 4).Take(4));
        Assert.Equal(new[] { 1, 2, 3, B }, batch.Targets.Skip(longRow * 4).Take(4));
        Assert.Equal(new[] { B, 4, B, B }, batch.Inputs.Skip(shortRow * 4).Take(4));
        Assert.Equal(new[] { 4, B, -100, -100 }, batch.Targets.Skip(shortRow * 4).Take(4));
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
        Assert.Equal(new[] { 0, 6, 0, /* the long line, cut */ 0, 1, 2 }, batch.Inputs);
        Assert.Equal(new[] { 6, 0, -100, 1, 2, 3 }, batch.Targets);
        Assert.Equal(5, data.TargetCount);
    }

    [Fact]
    public void Line_evaluation_groups_lines_by_length_and_covers_each_once()
    {
        var lines = new List<int[]> { new[] { 1, 1, 1, 1 }, new[] { 2 }, new[] { 3, 3, 3, 3 }, new[] { 4 } };
        var batches = new LineDataset(lines, boundary: 0, contextLength: 8, characterCount: 14).EvaluationBatches(2).ToList();
        Assert.Equal([2, 5], batches.Select(b => b.Length));
        Assert.Equal([2, 4], batches[0].Targets.Where((_, i) => i % 2 == 0));
        Assert.Equal(14, batches.Sum(b => b.TargetCount));
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

    [Fact]
    public void Bucketed_batches_hold_lines_of_similar_length_drawn_from_a_uniform_pool()
    {
        var lengths = Enumerable.Range(0, 200).Select(i => 1 + i * 37 % 12).ToArray();
        var lines = lengths.Select((n, i) => Enumerable.Repeat(i % 5 + 1, n).ToArray()).ToList();
        var data = new LineDataset(lines, boundary: 0, contextLength: 16, characterCount: 1000);
        var sampler = new LengthBucketedSampler(data, poolBatches: 4);
        var rng = new LoomRandom(5);
        var batches = Enumerable.Range(0, 4).Select(_ => sampler.Next(rng, 8)).ToList();
        // Sorted pools: each batch spans a narrow band of lengths, so padding is small.
        double padding = batches.Sum(b => b.BatchSize * b.Length - b.TargetCount) / (double)batches.Sum(b => b.BatchSize * b.Length);
        var plain = Enumerable.Range(0, 4).Select(_ => data.Sample(rng, 8)).ToList();
        double plainPadding = plain.Sum(b => b.BatchSize * b.Length - b.TargetCount) / (double)plain.Sum(b => b.BatchSize * b.Length);
        Assert.True(padding < plainPadding / 2, $"bucketed padding {padding:P0} vs plain {plainPadding:P0}");
    }

    [Fact]
    public void Bucketed_sampler_state_round_trips_so_a_resumed_run_sees_the_same_batches()
    {
        var lines = Enumerable.Range(0, 50).Select(i => Enumerable.Repeat(1, 1 + i % 9).ToArray()).ToList();
        var data = new LineDataset(lines, boundary: 0, contextLength: 16, characterCount: 300);
        var straight = new LengthBucketedSampler(data);
        var rng = new LoomRandom(2);
        var expected = Enumerable.Range(0, 12).Select(_ => straight.Next(rng, 4).Inputs).ToList();

        var first = new LengthBucketedSampler(data);
        var rngA = new LoomRandom(2);
        for (int i = 0; i < 5; i++) first.Next(rngA, 4);
        var resumed = new LengthBucketedSampler(data);
        resumed.LoadState(System.Text.Json.Nodes.JsonNode.Parse(first.SaveState().ToJsonString())!.AsObject());
        var rngB = new LoomRandom(0);
        rngB.SetState(rngA.GetState());
        Assert.Equal(expected.Skip(5), Enumerable.Range(0, 7).Select(_ => resumed.Next(rngB, 4).Inputs));

        var bad = new System.Text.Json.Nodes.JsonObject { ["pending"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonArray(99)) };
        Assert.Contains("names line 99", Assert.Throws<LoomException>(() => resumed.LoadState(bad)).Message);
    }
}
