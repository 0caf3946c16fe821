using Loom.Nn;
using Loom.Tensors;

namespace Loom.Tests.Nn;

/// <summary>Small hand-made modules for tests that need parameters but no layer ops.</summary>
internal sealed class Affine : Module
{
    public Affine(int n, float fill = 1f)
    {
        Weight = AddParameter("weight", Tensor.Full(fill, n, n));
        Bias = AddParameter("bias", Tensor.Zeros(n));
    }

    public Parameter Weight { get; }
    public Parameter Bias { get; }
}

internal sealed class TwoAffines : Module
{
    public TwoAffines(int n = 2)
    {
        First = AddModule("first", new Affine(n, 1f));
        Second = AddModule("second", new Affine(n, 2f));
        Scale = AddParameter("scale", Tensor.Ones(n));
    }

    public Affine First { get; }
    public Affine Second { get; }
    public Parameter Scale { get; }
}
