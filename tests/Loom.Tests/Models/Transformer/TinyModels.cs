using Loom.Core;
using Loom.Models.Transformer;

namespace Loom.Tests.Models.Transformer;

/// <summary>Configs small enough that a forward and backward pass take milliseconds.</summary>
internal static class TinyModels
{
    /// <summary>Llama style with grouped-query attention (4 query heads share 2 kv heads).</summary>
    public static TransformerConfig Llama(int vocab = 16, int context = 16) => new()
    {
        Style = TransformerStyle.Llama, VocabSize = vocab, ContextLength = context, Layers = 2, Heads = 4, KvHeads = 2,
        ModelDim = 32, TiedEmbeddings = true,
    };

    public static TransformerConfig Gpt2(int vocab = 16, int context = 16) => new()
    {
        Style = TransformerStyle.Gpt2, VocabSize = vocab, ContextLength = context, Layers = 2, Heads = 4, KvHeads = 4,
        ModelDim = 32, Bias = true, TiedEmbeddings = false,
    };

    /// <summary>Seeded random token ids in [0, vocab).</summary>
    public static int[] Tokens(int count, int vocab, ulong seed)
    {
        var rng = new LoomRandom(seed);
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = rng.NextInt(vocab);
        return tokens;
    }

    /// <summary>A unique temporary directory, deleted when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loom-lm-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
