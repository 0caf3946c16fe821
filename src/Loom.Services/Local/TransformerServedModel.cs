using Loom.Models.Imaging;
using Loom.Models.Transformer;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Loom.Text.Tokenizers;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// A Loom transformer-lm model directory served for chat and completion. These models have no chat format: the chat
/// prompt is the text of the last user message (earlier turns are ignored), encoded as <c>loom generate</c> encodes
/// prompts (<see cref="LanguageModel.EncodePrompt"/>). Requests run one at a time (<see cref="SerialTextBackend"/>).
/// No embeddings: the decoder's hidden states are not exposed by Loom.Models.
/// </summary>
internal sealed class TransformerServedModel : IServedModel, IDisposable
{
    private readonly SerialTextBackend _backend;

    public TransformerServedModel(ServedModelInfo info, LanguageModel lm, TokenConstraintFactory? constraints)
    {
        Info = info;
        ContextLength = lm.Model.Config.ContextLength;
        _backend = new SerialTextBackend(new TransformerLogitSource(lm.Model));
        var tokenizer = lm.Tokenizer;
        var parts = new TextModelParts
        {
            Id = info.Id,
            ContextLength = ContextLength,
            VocabSize = lm.Model.Config.VocabSize,
            EndOfGeneration = lm.EndOfSequenceIds.ToHashSet(),
            TokenBytes = id => id < tokenizer.VocabSize ? tokenizer.TokenBytes(id).ToArray() : [],
            CreateTextStream = () =>
            {
                var decoder = new StreamingDecoder(tokenizer);
                return new DelegateTextStream(decoder.Push, decoder.Flush);
            },
            EncodeCompletion = lm.EncodePrompt,
            // No chat template: the last user message is the prompt, and there is no tool syntax.
            EncodeChat = (messages, _, _) =>
                lm.EncodePrompt(messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? ""),
            Backend = _backend,
            Constraints = constraints,
        };
        Chat = new LocalChatClient(parts, info);
        Completions = new LocalTextCompleter(parts);
        Tokenizer = new ServedTokenizer((text, addSpecial) => addSpecial ? lm.EncodePrompt(text) : tokenizer.Encode(text), ids => tokenizer.Decode(ids));
    }

    public ServedModelInfo Info { get; }
    public int ContextLength { get; }
    public IChatClient? Chat { get; }
    public ITextCompleter? Completions { get; }
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => null;
    public IImageModel? Images => null;
    public IServedTokenizer? Tokenizer { get; }

    public void Dispose() => _backend.Dispose();
}

/// <summary>A Loom image model directory served for image generation only.</summary>
internal sealed class ImageServedModel(ServedModelInfo info, IImageModel images) : IServedModel, IDisposable
{
    public ServedModelInfo Info { get; } = info;
    public int ContextLength => 0;
    public IChatClient? Chat => null;
    public ITextCompleter? Completions => null;
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings => null;
    public IImageModel? Images { get; } = images;
    public IServedTokenizer? Tokenizer => null;

    public void Dispose() => (Images as IDisposable)?.Dispose();
}
