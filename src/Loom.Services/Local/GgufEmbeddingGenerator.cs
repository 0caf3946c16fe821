using System.Numerics.Tensors;
using Loom.Core;
using Loom.Inference;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// Text embeddings from a GGUF language model: the input is tokenized as a completion prompt (BOS when the
/// vocabulary wants it), run through the model, and the final hidden states (after the output norm, before the
/// vocabulary projection) of all its tokens are mean-pooled and L2-normalised. Inputs run one after another on a
/// session of their own, so results do not depend on batching or concurrent requests; same input ⇒ same vector.
/// </summary>
internal sealed class GgufEmbeddingGenerator(LlmModel model, string id) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly object _gate = new();
    private LlmSession? _session;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        long tokens = 0;
        foreach (string text in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] ids = model.Tokenizer.Tokenize(text, addSpecial: true, parseSpecial: false);
            if (ids.Length == 0) throw LoomException.Argument($"embeddings: input {result.Count} has no tokens; give some text");
            if (ids.Length > model.Config.ContextLength)
            {
                throw new LoomException(LoomErrorCode.ContextLengthExceeded,
                    $"model '{id}': embedding input {result.Count} has {ids.Length} tokens but the context holds {model.Config.ContextLength}");
            }
            result.Add(new Embedding<float>(Embed(ids)) { ModelId = id, CreatedAt = DateTimeOffset.UtcNow });
            tokens += ids.Length;
        }
        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return Task.FromResult(result);
    }

    private float[] Embed(int[] ids)
    {
        var sum = new float[model.Config.EmbeddingLength];
        lock (_gate)
        {
            _session ??= model.CreateSession();
            _session.Reset();
            _session.AccumulateHidden(ids, sum);
        }
        TensorPrimitives.Multiply(sum, 1f / ids.Length, sum);
        float norm = TensorPrimitives.Norm(sum);
        if (norm > 0f) TensorPrimitives.Multiply(sum, 1f / norm, sum);
        return sum;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("loom", null, id, model.Config.EmbeddingLength)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
