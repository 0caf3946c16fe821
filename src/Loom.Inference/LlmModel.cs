using Loom.Formats.Gguf;
using Loom.Inference.Architectures;
using Loom.Text.Templates;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Inference;

/// <summary>
/// A GGUF language model ready to run: weights memory-mapped from the file (never copied), its config, architecture,
/// tokenizer and chat template. Create one <see cref="LlmSession"/> per sequence. Dispose to unmap the file.
/// </summary>
/// <example><code>
/// using var model = LlmModel.Load("model.gguf");
/// var session = model.CreateSession();
/// int[] prompt = model.Tokenizer.Tokenize("Hello", addSpecial: true, parseSpecial: false);
/// int[] ids = LlmGeneration.Greedy(session, prompt, maxTokens: 32, model.Tokenizer.IsEndOfGeneration);
/// </code></example>
public sealed class LlmModel : IDisposable
{
    private readonly Lazy<GgufTokenizer> _tokenizer;
    private readonly Lazy<ChatTemplate?> _chatTemplate;

    private LlmModel(GgufFile file, LlmArchitecture architecture, LlmConfig config, LlmWeights weights)
    {
        File = file;
        Architecture = architecture;
        Config = config;
        Weights = weights;
        Rope = new RopeCache(config, weights.RopeFrequencies);
        _tokenizer = new Lazy<GgufTokenizer>(() => GgufTokenizer.FromGguf(file));
        ChatTemplateSource = file.TryGetString(GgufNames.ChatTemplate, out var source) ? source : null;
        _chatTemplate = new Lazy<ChatTemplate?>(() => ChatTemplateSource is null ? null : ChatTemplate.Parse(ChatTemplateSource));
    }

    /// <summary>Opens <paramref name="path"/>, picks its architecture and checks every tensor the forward pass needs.</summary>
    /// <param name="contextLength">Context length to use instead of the file's <c>{arch}.context_length</c>; the KV
    /// cache of each session is sized to it.</param>
    public static LlmModel Load(string path, int? contextLength = null)
    {
        var file = GgufFile.Open(path);
        try
        {
            var architecture = ArchitectureRegistry.Get(file.GetString(GgufNames.Architecture), Path.GetFileName(path));
            var config = LlmConfig.FromGguf(file, architecture.Name, contextLength);
            var weights = LlmWeights.Load(file, architecture, config);
            return new LlmModel(file, architecture, config, weights);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public GgufFile File { get; }
    public LlmArchitecture Architecture { get; }
    public LlmConfig Config { get; }
    public LlmWeights Weights { get; }
    /// <summary><c>general.name</c>, or the file name without extension.</summary>
    public string Name => File.TryGetString(GgufNames.ModelName, out var name) ? name : Path.GetFileNameWithoutExtension(File.Path);

    /// <summary>The file's tokenizer (built on first use; a LoomException if the file has none Loom supports).</summary>
    public GgufTokenizer Tokenizer => _tokenizer.Value;

    /// <summary><c>tokenizer.chat_template</c> as written in the file, or null.</summary>
    public string? ChatTemplateSource { get; }

    /// <summary>The file's chat template, parsed on first use; null when the file has none (use
    /// <see cref="ChatTemplates.Fallback"/> then).</summary>
    public ChatTemplate? ChatTemplate => _chatTemplate.Value;

    /// <summary>Bytes of weights one token reads (every matrix and vector; the embedding only one row, unless tied
    /// to the output).</summary>
    public long WeightBytesPerToken
    {
        get
        {
            long bytes = 0;
            foreach (var t in File.Tensors) bytes += t.ByteSize;
            return Weights.TiedOutput ? bytes : bytes - Weights.TokenEmbedding.Tensor.ByteSize + Weights.TokenEmbedding.RowBytes;
        }
    }

    internal RopeCache Rope { get; }

    /// <summary>A new sequence with its own KV cache (<see cref="LlmConfig.ContextLength"/> positions).</summary>
    /// <param name="batchSize">Most prompt tokens treated as one batch (<see cref="LlmSession.BatchSize"/>).</param>
    /// <param name="chunkRows">Most rows pushed through the layers at once; the activation buffers scale with it
    /// (<see cref="LlmSession.ChunkRows"/>). At least 32.</param>
    public LlmSession CreateSession(int batchSize = 512, int chunkRows = LlmSession.DefaultChunkRows) => new(this, batchSize, chunkRows);

    public void Dispose() => File.Dispose();
}
