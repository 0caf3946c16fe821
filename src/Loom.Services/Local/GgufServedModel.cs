using System.Text;
using Loom.Inference;
using Loom.Inference.Batching;
using Loom.Models.Imaging;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Loom.Text.Templates;
using Loom.Text.Tokenizers;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// A GGUF language model served: chat through the file's chat template (ChatML, <see cref="ChatTemplates.Fallback"/>
/// "chatml", when the file has none), raw completions, embeddings (<see cref="GgufEmbeddingGenerator"/>), and every
/// sequence decoded in the model's continuous-batching loop (<see cref="BatchScheduler"/>).
/// </summary>
public sealed class GgufServedModel : IServedModel, IDisposable
{
    /// <summary>The fallback chat format for files without tokenizer.chat_template.</summary>
    public const string FallbackTemplate = "chatml";

    private readonly LlmModel _model;
    private readonly BatchedTextBackend _backend;

    internal GgufServedModel(ServedModelInfo info, LlmModel model, BatchSchedulerOptions batching, TokenConstraintFactory? constraints)
    {
        Info = info;
        _model = model;
        var tokenizer = model.Tokenizer;
        EndOfGeneration = tokenizer.Vocabulary.EndOfGeneration.ToHashSet();
        var template = model.ChatTemplate ?? ChatTemplates.Fallback(FallbackTemplate);
        string bos = tokenizer.BosId >= 0 ? Encoding.UTF8.GetString(tokenizer.TokenBytes(tokenizer.BosId)) : "";
        string eos = tokenizer.EosId >= 0 ? Encoding.UTF8.GetString(tokenizer.TokenBytes(tokenizer.EosId)) : "";
        _backend = new BatchedTextBackend(new BatchScheduler(model, batching));
        var parts = new TextModelParts
        {
            Id = info.Id,
            ContextLength = model.Config.ContextLength,
            VocabSize = model.Config.VocabSize,
            EndOfGeneration = EndOfGeneration,
            TokenBytes = id => tokenizer.TokenBytes(id).ToArray(),
            CreateTextStream = () =>
            {
                var decoder = new StreamingDecoder(tokenizer);
                return new DelegateTextStream(decoder.Push, decoder.Flush);
            },
            EncodeCompletion = text => tokenizer.Tokenize(text, addSpecial: true, parseSpecial: true),
            EncodeChat = (messages, tools, replyPrefix) =>
            {
                string text = ChatPromptBuilder.Render(template, messages, tools, bos, eos) + replyPrefix;
                // Templates that write bos_token themselves must not get a second one from the tokenizer.
                bool hasBos = bos.Length > 0 && text.StartsWith(bos, StringComparison.Ordinal);
                return tokenizer.Tokenize(text, addSpecial: !hasBos, parseSpecial: true);
            },
            ToolSyntax = ToolCallSyntax.Of(template),
            Backend = _backend,
            Constraints = constraints,
        };
        Chat = new LocalChatClient(parts, info);
        Completions = new LocalTextCompleter(parts);
        Embeddings = new GgufEmbeddingGenerator(model, info.Id);
        Tokenizer = new ServedTokenizer(
            (text, addSpecial) => tokenizer.Tokenize(text, addSpecial, parseSpecial: addSpecial),
            ids => Encoding.UTF8.GetString(tokenizer.Detokenize(ids, removeSpecial: true, unparseSpecial: false)));
    }

    public ServedModelInfo Info { get; }
    public int ContextLength => _model.Config.ContextLength;
    public IChatClient? Chat { get; }
    public ITextCompleter? Completions { get; }
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; }
    public IImageModel? Images => null;
    public IServedTokenizer? Tokenizer { get; }

    /// <summary>Tokens that end a generation (EOS, end of turn).</summary>
    public IReadOnlySet<int> EndOfGeneration { get; }

    /// <summary>The model's batching loop (for statistics and the benchmark).</summary>
    public BatchScheduler Scheduler => _backend.Scheduler;

    public void Dispose()
    {
        _backend.Dispose();
        _model.Dispose();
    }
}
