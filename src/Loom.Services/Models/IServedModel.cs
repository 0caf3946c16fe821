using Loom.Models.Imaging;
using Microsoft.Extensions.AI;

namespace Loom.Services.Models;

/// <summary>
/// A loaded model as services see it: the abilities it has are non-null. Text models give an <see cref="IChatClient"/>
/// (chat template applied) and an <see cref="ITextCompleter"/> (raw prompt), both honouring every
/// <see cref="ChatOptions"/> field plus the extra OpenAI parameters in <see cref="LoomChatOptions"/>.
/// </summary>
public interface IServedModel
{
    ServedModelInfo Info { get; }

    /// <summary>Tokens the model can attend to (prompt + completion); 0 for models without text.</summary>
    int ContextLength { get; }

    IChatClient? Chat { get; }

    ITextCompleter? Completions { get; }

    IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; }

    IImageModel? Images { get; }

    /// <summary>The model's tokenizer (/v1/tokenize, prompt-length checks); null for models without text.</summary>
    IServedTokenizer? Tokenizer { get; }
}

/// <summary>Plain-prompt completion (/v1/completions): the same updates as streaming chat, without a chat template.</summary>
public interface ITextCompleter
{
    IAsyncEnumerable<ChatResponseUpdate> CompleteStreamingAsync(string prompt, ChatOptions? options = null, CancellationToken cancellation = default);
}

/// <summary>A model's tokenizer as the API exposes it.</summary>
public interface IServedTokenizer
{
    int[] Encode(string text, bool addSpecial);

    string Decode(ReadOnlySpan<int> tokens);

    /// <summary>Number of token ids (valid ids are 0..VocabSize-1), for range checks on logit_bias and token inputs;
    /// null when unknown (then the engine's own checks apply).</summary>
    int? VocabSize => null;
}
