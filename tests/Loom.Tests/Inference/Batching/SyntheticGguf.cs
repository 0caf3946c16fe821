using Loom.Models.Transformer;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Inference.Batching;

/// <summary>A tiny random Loom transformer exported to GGUF, so batching and serving tests run without ../shared.</summary>
public static class SyntheticGguf
{
    public const string Corpus = "the quick brown fox jumps over the lazy dog. a fox, a dog, a cat and the lazy brown fox again.\n<|im_start|>user\nassistant<|im_end|>";

    /// <summary>Writes <paramref name="name"/>.gguf into <paramref name="directory"/> and returns its path.</summary>
    public static string Write(string directory, string name, GgufQuantization type, int contextLength = 64)
    {
        var tokenizer = CharTokenizer.Build(Corpus);
        var config = new TransformerConfig
        {
            Style = TransformerStyle.Llama, VocabSize = tokenizer.VocabSize, ContextLength = contextLength, Layers = 2, Heads = 4, KvHeads = 2,
            ModelDim = 64, FfnHiddenDim = 128, TiedEmbeddings = true, InitStd = 0.3f, RopeTheta = 500f, NormEps = 1e-5f,
        };
        string modelDir = Path.Combine(directory, name + "-src");
        TransformerLmDirectory.Save(modelDir, new TransformerLm(config, seed: 21), tokenizer);
        string file = Path.Combine(directory, name + ".gguf");
        GgufExport.Export(modelDir, file, type);
        Directory.Delete(modelDir, recursive: true);
        return file;
    }
}
