using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>A lookup table: token id → row of weight [count, dim]. Initialized N(0, 1) as in PyTorch.</summary>
public sealed class Embedding : Module
{
    public Embedding(int count, int dim, LoomRandom rng)
    {
        if (count < 1 || dim < 1) throw LoomException.Argument($"Embedding: count and dim must be positive, found {count}, {dim}");
        Count = count;
        Dim = dim;
        Weight = AddParameter("weight", Init.Normal(Tensor.Zeros(count, dim), rng));
    }

    public int Count { get; }
    public int Dim { get; }
    public Parameter Weight { get; }

    /// <summary>Rows for <paramref name="ids"/> laid out as <paramref name="idShape"/>: result [..idShape, dim].</summary>
    public Tensor Forward(int[] ids, params int[] idShape) => Ops.Embedding(Weight, ids, idShape.Length == 0 ? [ids.Length] : idShape);
}
