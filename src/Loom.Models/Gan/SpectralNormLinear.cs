using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>A Linear layer whose weight is spectrally normalized at every forward; u is a buffer, saved with the weights.</summary>
public sealed class SpectralNormLinear : Module
{
    private readonly Linear _linear;

    public SpectralNormLinear(int inFeatures, int outFeatures, LoomRandom rng)
    {
        _linear = AddModule("linear", new Linear(inFeatures, outFeatures, rng));
        U = AddBuffer("u", SpectralNorm.InitialU(outFeatures, rng));
    }

    /// <summary>The power iteration's left singular vector estimate [out].</summary>
    public Tensor U { get; }

    public Parameter Weight => _linear.Weight;

    public override Tensor Forward(Tensor input) =>
        Ops.Linear(input, SpectralNorm.Normalize(_linear.Weight, U, Training), _linear.Bias?.Value);
}
