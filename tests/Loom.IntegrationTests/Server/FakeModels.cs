using System.Runtime.CompilerServices;
using System.Text;
using Loom.Core;
using Loom.Models.Imaging;
using Loom.Services.Models;
using Loom.Tensors;
using Microsoft.Extensions.AI;

namespace Loom.IntegrationTests.Server;

/// <summary>
/// A catalog of scripted models, so the HTTP layer is tested on its own: "fake-chat" answers "echo: " + the last user
/// message one character (= one token, byte tokenizer) per update, honouring max tokens, stop, seed (appended digit)
/// and logprobs; "fake-image" is an image-only model. Context 64 tokens.
/// </summary>
public sealed class FakeCatalog : IModelCatalog
{
    public const string Chat = "fake-chat", Image = "fake-image", Endless = "fake-endless";
    private readonly Dictionary<string, IServedModel> _models = new()
    {
        [Chat] = new FakeTextModel(),
        [Image] = new FakeImageModel(),
        [Endless] = new EndlessModel(),
    };

    /// <summary>Completes when a generation of <see cref="Endless"/> saw its cancellation token fire.</summary>
    public TaskCompletionSource EndlessCancelled => ((EndlessModel)_models[Endless]).Cancelled;

    public IReadOnlyList<ServedModelInfo> List() => [.. _models.Values.Select(m => m.Info).OrderBy(i => i.Id, StringComparer.Ordinal)];

    public ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default) =>
        _models.TryGetValue(id, out var model)
            ? ValueTask.FromResult(new ModelLease(model, () => { }))
            : throw new LoomException(LoomErrorCode.FileNotFound, $"no model '{id}'");
}

internal sealed class ByteTokenizer : IServedTokenizer
{
    public int[] Encode(string text, bool addSpecial) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    public string Decode(ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[tokens.Length];
        for (int i = 0; i < tokens.Length; i++) bytes[i] = (byte)tokens[i];
        return Encoding.UTF8.GetString(bytes);
    }

    public int? VocabSize => 256;
}

internal sealed class FakeTextModel : IServedModel, IChatClient, ITextCompleter, IEmbeddingGenerator<string, Embedding<float>>
{
    public ServedModelInfo Info { get; } = new(FakeCatalog.Chat, ModelCapabilities.Chat | ModelCapabilities.Completion | ModelCapabilities.Embeddings,
        "fake", "/dev/null", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    public int ContextLength => 64;
    public IChatClient? Chat => this;
    public ITextCompleter? Completions => this;
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => this;
    public IImageModel? Images => null;
    public IServedTokenizer? Tokenizer { get; } = new ByteTokenizer();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Generate("echo: " + messages.Last(m => m.Role == ChatRole.User).Text, messages.Sum(m => m.Text.Length), options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> CompleteStreamingAsync(string prompt, ChatOptions? options = null, CancellationToken cancellation = default) =>
        Generate(" and so on", prompt.Length, options, cancellation);

    private static async IAsyncEnumerable<ChatResponseUpdate> Generate(string reply, int promptTokens, ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (options?.Seed is { } seed) reply += $" #{seed}";
        int max = options?.MaxOutputTokens ?? int.MaxValue;
        bool logprobs = options?.AdditionalProperties?.ContainsKey(LoomChatOptions.Logprobs) == true;
        string emitted = "";
        string finish = "stop";
        int count = 0;
        foreach (char c in reply)
        {
            if (count == max) { finish = "length"; break; }
            string next = emitted + c;
            if (options?.StopSequences?.FirstOrDefault(s => next.EndsWith(s, StringComparison.Ordinal)) is not null) break;
            cancellation.ThrowIfCancellationRequested();
            await Task.Yield();
            emitted = next;
            count++;
            var update = new ChatResponseUpdate(ChatRole.Assistant, c.ToString());
            if (logprobs)
                update.AdditionalProperties = new() { [LoomChatOptions.UpdateLogprobs] = new List<TokenLogprob> { new(c.ToString(), -0.5f, [(byte)c], [new(c.ToString(), -0.5f, [(byte)c])]) } };
            yield return update;
        }
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = new ChatFinishReason(finish),
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = promptTokens, OutputTokenCount = count, TotalTokenCount = promptTokens + count })],
        };
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            var v = new float[4];
            foreach (char c in value) v[c % 4] += 1;
            float norm = MathF.Sqrt(v.Sum(x => x * x));
            result.Add(new Embedding<float>(v.Select(x => norm == 0 ? 0 : x / norm).ToArray()));
        }
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

internal sealed class FakeImageModel : IServedModel, IImageModel
{
    public ServedModelInfo Info { get; } = new(FakeCatalog.Image, ModelCapabilities.Images, "fake-image", "/dev/null", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    public int ContextLength => 0;
    public IChatClient? Chat => null;
    public ITextCompleter? Completions => null;
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => null;
    public IImageModel? Images => this;
    public IServedTokenizer? Tokenizer => null;
    public string Family => "fake";
    public int Channels => 3;
    public int Height => 6;
    public int Width => 8;
    public bool AcceptsPrompt => false;

    public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
    {
        var data = new float[request.Count * 3 * 6 * 8];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return new Tensor(data, request.Count, 3, 6, 8);
    }
}

/// <summary>Streams "x" every 10 ms until its cancellation token fires, and reports that it did.</summary>
internal sealed class EndlessModel : IServedModel, IChatClient
{
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public ServedModelInfo Info { get; } = new(FakeCatalog.Endless, ModelCapabilities.Chat, "fake", "/dev/null", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    public int ContextLength => 0;
    public IChatClient? Chat => this;
    public ITextCompleter? Completions => null;
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => null;
    public IImageModel? Images => null;
    public IServedTokenizer? Tokenizer => null;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() => Cancelled.TrySetResult());
        for (int i = 0; i < 100_000; i++)
        {
            await Task.Delay(10, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "x");
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
