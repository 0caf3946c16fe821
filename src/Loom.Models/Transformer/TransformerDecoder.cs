using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// The decoder without its output layer (Hugging Face's "model"): embed_tokens, embed_positions (GPT-2 style only),
/// layers.N, norm. Returns the final normalized hidden states.
/// </summary>
public sealed class TransformerDecoder : Module
{
    private readonly TransformerConfig _config;
    private readonly LayerStack _layers;
    private readonly Module _norm;

    internal TransformerDecoder(TransformerConfig config, LoomRandom rng)
    {
        _config = config;
        TokenEmbedding = AddModule("embed_tokens", new Embedding(config.VocabSize, config.ModelDim, rng));
        if (config.Style == TransformerStyle.Gpt2)
            PositionEmbedding = AddModule("embed_positions", new Embedding(config.ContextLength, config.ModelDim, rng));
        var layers = new DecoderLayer[config.Layers];
        for (int i = 0; i < layers.Length; i++) layers[i] = new DecoderLayer(config, i, rng);
        _layers = AddModule("layers", new LayerStack(layers));
        _norm = AddModule("norm", TransformerNorm.Create(config));
    }

    public Embedding TokenEmbedding { get; }

    /// <summary>Learned absolute positions (GPT-2 style); null for the Llama style, which rotates q and k instead.</summary>
    public Embedding? PositionEmbedding { get; }

    /// <summary>
    /// tokens [B, T] at positions startPos… → hidden states [B, T, d] after the final norm, or [B, 1, d] for the
    /// last position only with <paramref name="lastOnly"/> (sampling needs nothing else). Dropout masks come from
    /// <paramref name="dropout"/>; null: no dropout.
    /// </summary>
    internal Tensor Forward(int[] tokens, int batch, int time, int startPos, KvCache? cache, LoomRandom? dropout, bool lastOnly)
    {
        var x = TokenEmbedding.Forward(tokens, batch, time);
        if (PositionEmbedding != null)
        {
            var positions = new int[time];
            for (int t = 0; t < time; t++) positions[t] = startPos + t;
            x = x + PositionEmbedding.Forward(positions, time);
        }
        if (dropout != null) x = Ops.Dropout(x, _config.Dropout, training: true, dropout);
        foreach (var layer in _layers.Layers) x = layer.Forward(x, startPos, cache, dropout);
        if (lastOnly && time > 1) x = x.Slice(1, time - 1, 1);
        return _norm.Forward(x);
    }
}
