using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Conditioning;

/// <summary>
/// A small text encoder trained with the UNet: the mean of a caption's word embeddings (a bag of words: order is
/// lost, which short emoji-style captions barely use), then an MLP to the UNet's embedding width. The mean is one
/// matrix product of a [n, words] averaging matrix with the embedding table, so its gradient is one GEMM too.
/// </summary>
public sealed class CaptionEncoder : Module
{
    private readonly Embedding _words;
    private readonly Linear _first;
    private readonly Linear _second;

    public CaptionEncoder(int vocabularySize, int wordDim, int outputDim, LoomRandom rng)
    {
        _words = AddModule("words", new Embedding(vocabularySize, wordDim, rng));
        _first = AddModule("first", new Linear(wordDim, outputDim, rng));
        _second = AddModule("second", new Linear(outputDim, outputDim, rng));
    }

    public int VocabularySize => _words.Count;

    /// <summary>[n, outputDim] for n captions given as word ids (an empty caption averages nothing: a zero vector).</summary>
    public Tensor Forward(IReadOnlyList<int[]> captions)
    {
        int n = captions.Count, vocabulary = _words.Count;
        var average = new float[n * vocabulary];
        for (int i = 0; i < n; i++)
        {
            var ids = captions[i];
            foreach (int id in ids)
            {
                if ((uint)id >= (uint)vocabulary) throw LoomException.Argument($"caption encoder: word id {id} is outside 0..{vocabulary - 1}");
                average[i * vocabulary + id] += 1f / ids.Length;
            }
        }
        var pooled = Ops.MatMul(new Tensor(average, n, vocabulary), _words.Weight); // [n, wordDim]
        return _second.Forward(Ops.Silu(_first.Forward(pooled)));
    }
}
