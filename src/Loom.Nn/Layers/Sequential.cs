using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>Runs modules one after another; they are registered as "0", "1", … (so weights are "0.weight", …).</summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    public Sequential(params Module[] layers)
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null) throw LoomException.Argument($"Sequential: layer {i} is null");
            AddModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }
    }

    public int Count => _layers.Length;

    public Module this[int index] => _layers[index];

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}
