using Loom.Core;

namespace Loom.Training.Text;

/// <summary>
/// Lines mode: every line is its own sequence, boundary + tokens + boundary (makemore's names: the model learns to
/// start a name after the boundary and to end it by predicting the boundary). A batch holds whole lines, padded to
/// its longest with boundary inputs and ignored targets. A line longer than the context is cut (its end token is
/// lost); <see cref="TruncatedLines"/> counts them.
/// </summary>
public sealed class LineDataset : ITokenDataset
{
    private readonly int[][] _lines;
    private readonly int _boundary;

    /// <param name="lines">Each line's tokens, without boundaries.</param>
    /// <param name="boundary">The token that starts and ends every line.</param>
    /// <param name="contextLength">The model's context: inputs per sequence at most.</param>
    /// <param name="characterCount">Characters of the lines, each counted with its line break (for bits per character).</param>
    /// <param name="name">Which data this is, for error messages ("training data").</param>
    public LineDataset(IReadOnlyList<int[]> lines, int boundary, int contextLength, long characterCount, string name = "data")
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (contextLength < 1) throw LoomException.Argument($"{name}: context length must be at least 1, found {contextLength}");
        if (lines.Count == 0) throw LoomException.Argument($"{name}: no lines (lines mode trains on one example per non-empty line)");
        _lines = [.. lines];
        _boundary = boundary;
        ContextLength = contextLength;
        CharacterCount = characterCount;
        TruncatedLines = _lines.Count(l => l.Length + 1 > contextLength);
        TargetCount = _lines.Sum(l => (long)Math.Min(l.Length + 1, contextLength));
        LongestLine = _lines.Max(l => l.Length);
    }

    public int ContextLength { get; }

    public int LineCount => _lines.Length;

    /// <summary>Lines longer than the context allows (context − 1 tokens plus the end boundary).</summary>
    public int TruncatedLines { get; }

    /// <summary>Tokens in the longest line.</summary>
    public int LongestLine { get; }

    public long TargetCount { get; }

    public long CharacterCount { get; }

    public double TargetsPerExample => (double)TargetCount / _lines.Length;

    public TokenBatch Sample(LoomRandom rng, int batchSize)
    {
        TokenBatch.CheckBatchSize(batchSize, "line data");
        var chosen = new int[batchSize];
        for (int b = 0; b < batchSize; b++) chosen[b] = rng.NextInt(_lines.Length);
        return Batch(chosen);
    }

    public IEnumerable<TokenBatch> EvaluationBatches(int batchSize)
    {
        TokenBatch.CheckBatchSize(batchSize, "line data");
        // Lines of similar length share a batch, so little of it is padding; the mean over all targets does not
        // depend on the order. A stable sort keeps the batches the same on every call.
        int[] order = Enumerable.Range(0, _lines.Length).OrderBy(i => _lines[i].Length).ToArray();
        for (int first = 0; first < order.Length; first += batchSize)
            yield return Batch(order[first..Math.Min(order.Length, first + batchSize)]);
    }

    /// <summary>Tokens in line <paramref name="index"/> (without boundaries).</summary>
    public int LineLength(int index) => _lines[index].Length;

    /// <summary>The batch of the lines at <paramref name="chosen"/>, in that order, padded to the longest.</summary>
    public TokenBatch Batch(int[] chosen)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        if (chosen.Length == 0) throw LoomException.Argument("line data: a batch needs at least one line");
        int length = chosen.Max(i => Math.Min(_lines[i].Length + 1, ContextLength));
        var inputs = new int[chosen.Length * length];
        var targets = new int[chosen.Length * length];
        Array.Fill(inputs, _boundary);
        Array.Fill(targets, TokenBatch.IgnoreIndex);
        for (int r = 0; r < chosen.Length; r++)
        {
            int[] line = _lines[chosen[r]];
            int n = Math.Min(line.Length + 1, ContextLength); // positions that predict: boundary + all but the cut tail
            var rowInputs = inputs.AsSpan(r * length, n);
            var rowTargets = targets.AsSpan(r * length, n);
            // inputs: boundary, t0, t1, …; targets: t0, t1, …, boundary.
            rowInputs[0] = _boundary;
            line.AsSpan(0, n - 1).CopyTo(rowInputs[1..]);
            int copied = Math.Min(line.Length, n);
            line.AsSpan(0, copied).CopyTo(rowTargets);
            if (copied < n) rowTargets[copied] = _boundary;
        }
        return new TokenBatch(inputs, targets, chosen.Length, length);
    }
}
