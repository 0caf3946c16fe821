using Loom.Core;
using Loom.Models.Transformer;
using Loom.Training.Text;

namespace Loom.Tests.Models.Transformer;

/// <summary>A tiny language-model task on 40 random lines (tokens 1–15, boundary 0), for trainer tests.</summary>
internal static class TinyLineTask
{
    public static LanguageModelTask Create(ulong dataSeed, ulong modelSeed, float dropout)
    {
        var lines = new List<int[]>();
        var rng = new LoomRandom(dataSeed);
        for (int i = 0; i < 40; i++)
        {
            var line = new int[1 + rng.NextInt(9)];
            for (int j = 0; j < line.Length; j++) line[j] = 1 + rng.NextInt(15);
            lines.Add(line);
        }
        var train = new LineDataset(lines, boundary: 0, contextLength: 12, characterCount: 200);
        var val = new LineDataset(lines.Take(8).ToList(), boundary: 0, contextLength: 12, characterCount: 40);
        var model = new TransformerLm(TinyModels.Llama(vocab: 16, context: 12) with { Dropout = dropout }, seed: modelSeed);
        return new LanguageModelTask(model, train, val, batchSize: 4);
    }
}
