using Loom.Models.Transformer;
using Loom.Text.Tokenizers;

namespace Loom.IntegrationTests.Server;

/// <summary>The tiny random-weight transformer-lm the server fixtures serve: enough for API tests, no ../shared needed.</summary>
internal static class TinyLanguageModel
{
    /// <summary>Saves a 2-layer, 32-wide Llama-style model with a char tokenizer over <paramref name="corpus"/> to <paramref name="directory"/>.</summary>
    public static void Save(string directory, string corpus, int contextLength = 256)
    {
        var tokenizer = CharTokenizer.Build(corpus);
        var config = new TransformerConfig
        {
            Style = TransformerStyle.Llama, VocabSize = tokenizer.VocabSize, ContextLength = contextLength, Layers = 2, Heads = 4, KvHeads = 2,
            ModelDim = 32, FfnHiddenDim = 64, TiedEmbeddings = true, InitStd = 0.3f, RopeTheta = 500f, NormEps = 1e-5f,
        };
        TransformerLmDirectory.Save(directory, new TransformerLm(config, seed: 7), tokenizer);
    }
}
