using Loom.Core;

namespace Loom.Training.Text;

/// <summary>
/// Stream mode: one long run of tokens. A training example is a window of up to context + 1 tokens at a random
/// offset (inputs are its first tokens, targets the same shifted by one); evaluation walks the tokens in
/// consecutive windows, so every token after the first is predicted exactly once.
/// </summary>
public sealed class TokenStreamDataset : ITokenDataset
{
    private readonly int[] _tokens;

    /// <param name="tokens">The tokenized text; at least two tokens (one to predict from, one to predict).</param>
    /// <param name="contextLength">The model's context; shorter data uses shorter windows.</param>
    /// <param name="characterCount">Characters of the text the tokens encode (for bits per character).</param>
    /// <param name="name">Which data this is, for error messages ("training data").</param>
    public TokenStreamDataset(int[] tokens, int contextLength, long characterCount, string name = "data")
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (contextLength < 1) throw LoomException.Argument($"{name}: context length must be at least 1, found {contextLength}");
        if (tokens.Length < 2)
            throw LoomException.Argument($"{name}: {tokens.Length} token(s) are too few; a language model needs at least two to learn from");
        _tokens = tokens;
        ContextLength = contextLength;
        WindowLength = Math.Min(contextLength, tokens.Length - 1);
        CharacterCount = characterCount;
    }

    public int ContextLength { get; }

    /// <summary>Inputs per window: the context, or fewer when the data is shorter.</summary>
    public int WindowLength { get; }

    public int TokenCount => _tokens.Length;

    public long TargetCount => _tokens.Length - 1;

    public long CharacterCount { get; }

    public double TargetsPerExample => WindowLength;

    public TokenBatch Sample(LoomRandom rng, int batchSize)
    {
        TokenBatch.CheckBatchSize(batchSize, "stream data");
        int length = WindowLength;
        var inputs = new int[batchSize * length];
        var targets = new int[batchSize * length];
        for (int b = 0; b < batchSize; b++)
        {
            int start = rng.NextInt(_tokens.Length - length);
            _tokens.AsSpan(start, length).CopyTo(inputs.AsSpan(b * length));
            _tokens.AsSpan(start + 1, length).CopyTo(targets.AsSpan(b * length));
        }
        return new TokenBatch(inputs, targets, batchSize, length);
    }

    public IEnumerable<TokenBatch> EvaluationBatches(int batchSize)
    {
        TokenBatch.CheckBatchSize(batchSize, "stream data");
        int length = WindowLength;
        int windows = (int)((TargetCount + length - 1) / length);
        for (int first = 0; first < windows; first += batchSize)
        {
            int rows = Math.Min(batchSize, windows - first);
            var inputs = new int[rows * length];
            var targets = new int[rows * length];
            Array.Fill(targets, TokenBatch.IgnoreIndex); // the last window may be short: its tail is padding
            for (int r = 0; r < rows; r++)
            {
                int start = (first + r) * length;
                int n = Math.Min(length, _tokens.Length - 1 - start);
                _tokens.AsSpan(start, n).CopyTo(inputs.AsSpan(r * length));
                _tokens.AsSpan(start + 1, n).CopyTo(targets.AsSpan(r * length));
            }
            yield return new TokenBatch(inputs, targets, rows, length);
        }
    }
}
