using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// Zeroes each element with probability p while training and scales the rest by 1/(1−p); the identity in eval
/// mode. Masks come from the generator given here, so a seeded run drops the same elements every time.
/// </summary>
public sealed class Dropout : Module
{
    private readonly LoomRandom _rng;

    public Dropout(float p, LoomRandom rng)
    {
        if (!(p >= 0 && p < 1)) throw LoomException.Argument($"Dropout: p must be in [0, 1), found {p}");
        P = p;
        _rng = rng;
    }

    public float P { get; }

    public override Tensor Forward(Tensor input) => Ops.Dropout(input, P, Training, _rng);
}
