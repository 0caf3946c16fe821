using Loom.Core;

namespace Loom.Training.Text;

/// <summary>Tokenized text a language model trains on: random training batches, deterministic evaluation batches.</summary>
public interface ITokenDataset
{
    /// <summary>Longest sequence a batch holds (the model's context length).</summary>
    int ContextLength { get; }

    /// <summary>A batch of <paramref name="batchSize"/> random examples; every choice is drawn from <paramref name="rng"/>.</summary>
    TokenBatch Sample(LoomRandom rng, int batchSize);

    /// <summary>
    /// Batches that together predict every target of the data exactly once, always in the same order; the mean
    /// loss over them is the data's nats/token.
    /// </summary>
    IEnumerable<TokenBatch> EvaluationBatches(int batchSize);

    /// <summary>How many targets <see cref="EvaluationBatches"/> predicts in all.</summary>
    long TargetCount { get; }

    /// <summary>Mean targets in one training example (a window, or a line with its end), for throughput figures.</summary>
    double TargetsPerExample { get; }

    /// <summary>Characters of text behind those targets (for bits per character).</summary>
    long CharacterCount { get; }
}
