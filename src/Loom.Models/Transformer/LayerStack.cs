using Loom.Nn;

namespace Loom.Models.Transformer;

/// <summary>The decoder blocks, registered as "0", "1", … so their weights are named "model.layers.N.…".</summary>
internal sealed class LayerStack : Module
{
    private readonly DecoderLayer[] _layers;

    public LayerStack(DecoderLayer[] layers)
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) AddModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
    }

    public IReadOnlyList<DecoderLayer> Layers => _layers;
}
