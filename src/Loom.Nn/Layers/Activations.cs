using Loom.Tensors;

namespace Loom.Nn;

/// <summary>max(0, x).</summary>
public sealed class ReLU : Module
{
    public override Tensor Forward(Tensor input) => Ops.Relu(input);
}

/// <summary>x·Φ(x) (the tanh approximation or exact form is Ops.Gelu's choice).</summary>
public sealed class GELU : Module
{
    public override Tensor Forward(Tensor input) => Ops.Gelu(input);
}

/// <summary>x·σ(x).</summary>
public sealed class SiLU : Module
{
    public override Tensor Forward(Tensor input) => Ops.Silu(input);
}

public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor input) => Ops.Tanh(input);
}
