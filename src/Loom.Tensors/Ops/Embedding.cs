using Loom.Core;

namespace Loom.Tensors;

/// <summary>Row lookup in an embedding table.</summary>
public static partial class Ops
{
    /// <summary>
    /// Rows <paramref name="ids"/> of <paramref name="weight"/> [V, D], shaped [..idShape, D]. With no
    /// <paramref name="idShape"/> the ids form one dimension ([ids.Length, D]). The backward pass adds each row's
    /// gradient into the row it came from, so repeated ids accumulate.
    /// </summary>
    public static Tensor Embedding(Tensor weight, int[] ids, params int[] idShape)
    {
        if (weight.Rank != 2)
            throw LoomException.Shape("embedding", $"weight {ShapeUtil.Format(weight.Shape)} must be [vocabulary, dim]");
        if (idShape.Length == 0) idShape = [ids.Length];
        if (ShapeUtil.Product(idShape) != ids.Length)
            throw LoomException.Shape("embedding", $"id shape {ShapeUtil.Format(idShape)} needs {ShapeUtil.Product(idShape)} ids, found {ids.Length}");
        int vocab = weight.Size(0), dim = weight.Size(1);
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)vocab)
                throw LoomException.Argument($"embedding: id {ids[i]} at position {i} is out of range for a vocabulary of {vocab}");

        ReadOnlySpan<float> table = weight.Detach().Contiguous().AsSpan();
        var data = StorageArena.New(ids.Length * dim);
        for (int i = 0; i < ids.Length; i++) table.Slice(ids[i] * dim, dim).CopyTo(data.AsSpan(i * dim, dim));

        int[] own = (int[])ids.Clone();
        int[] weightShape = weight.ShapeArray;
        return Tensor.FromOp("embedding", [weight], data, [.. idShape, dim], g =>
        {
            ReadOnlySpan<float> dy = g.Contiguous().AsSpan();
            var dw = StorageArena.New(vocab * dim);
            for (int i = 0; i < own.Length; i++)
            {
                Span<float> row = dw.AsSpan(own[i] * dim, dim);
                System.Numerics.Tensors.TensorPrimitives.Add(row, dy.Slice(i * dim, dim), row);
            }
            return [new Tensor(dw, weightShape)];
        });
    }
}
