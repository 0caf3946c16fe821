namespace Loom.Tensors;

/// <summary>
/// Differentiable ops, one static partial class spread over files by kind (Elementwise, Reductions, MatMul, …).
/// Each op validates shapes (naming the op and both shapes), computes its result through Loom.Kernels where a
/// kernel exists, and records a backward rule. Operators on <see cref="Tensor"/> forward here.
/// </summary>
public static partial class Ops
{
}
