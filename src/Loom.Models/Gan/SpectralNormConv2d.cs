using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>A Conv2d whose weight is spectrally normalized at every forward; u is a buffer, saved with the weights.</summary>
public sealed class SpectralNormConv2d : Module
{
    private readonly Conv2d _conv;

    public SpectralNormConv2d(int inChannels, int outChannels, int kernelSize, LoomRandom rng, int stride = 1, int padding = 0)
    {
        _conv = AddModule("conv", new Conv2d(inChannels, outChannels, kernelSize, rng, stride, padding));
        U = AddBuffer("u", SpectralNorm.InitialU(outChannels, rng));
    }

    /// <summary>The power iteration's left singular vector estimate [out].</summary>
    public Tensor U { get; }

    public Parameter Weight => _conv.Weight;

    public override Tensor Forward(Tensor input) =>
        Ops.Conv2d(input, SpectralNorm.Normalize(_conv.Weight, U, Training), _conv.Bias?.Value, _conv.Stride, _conv.Padding);
}
