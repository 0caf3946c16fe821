using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Loom.Services.Operations.Audit;

/// <summary>
/// Records every embedding call as <see cref="AuditingChatClient"/> does a chat call: the inputs are the prompt,
/// the response text is the number of vectors (the vectors themselves are not worth keeping or hashing).
/// </summary>
public sealed class AuditingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, AuditWriter writer, string modelId, TimeProvider? time = null)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IList<string> ?? [.. values];
        long start = Stopwatch.GetTimestamp();
        int status = 500;
        GeneratedEmbeddings<Embedding<float>>? result = null;
        try
        {
            result = await base.GenerateAsync(inputs, options, cancellationToken).ConfigureAwait(false);
            status = 200;
            return result;
        }
        finally
        {
            string prompt = string.Join('\n', inputs);
            int tokens = result?.Usage?.InputTokenCount is long n ? (int)n : inputs.Sum(ChatUsage.Estimate);
            string? response = result is null ? null : $"{result.Count} embeddings";
            var context = OperationsRequestContext.Current;
            if (context?.Audit is { } draft)
            {
                (draft.Model, draft.PromptTokens, draft.Prompt, draft.Response) = (modelId, tokens, prompt, response);
            }
            else
            {
                writer.Write(AuditContent.Record(writer.Content, _time.GetUtcNow(), context?.KeyId, context?.Endpoint ?? "embeddings", modelId,
                    tokens, 0, Stopwatch.GetElapsedTime(start).TotalMilliseconds, status, prompt, response));
            }
        }
    }
}
