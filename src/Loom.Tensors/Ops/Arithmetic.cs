using System.Numerics.Tensors;

namespace Loom.Tensors;

/// <summary>Broadcasting binary arithmetic: +, −, ×, ÷. Gradients are summed back to each input's shape.</summary>
public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b)
    {
        var (x, y, shape) = Broadcast(a, b, "add");
        var data = StorageArena.NewUninitialized(x.Count);
        TensorPrimitives.Add(x, y, data);
        return Tensor.FromOp("add", [a, b], data, shape, g => [
            a.RequiresGrad ? Tensor.SumToShape(g, a.ShapeArray) : null,
            b.RequiresGrad ? Tensor.SumToShape(g, b.ShapeArray) : null]);
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        var (x, y, shape) = Broadcast(a, b, "sub");
        var data = StorageArena.NewUninitialized(x.Count);
        TensorPrimitives.Subtract(x, y, data);
        return Tensor.FromOp("sub", [a, b], data, shape, g => [
            a.RequiresGrad ? Tensor.SumToShape(g, a.ShapeArray) : null,
            b.RequiresGrad ? Tensor.SumToShape(Neg(g), b.ShapeArray) : null]);
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        var (x, y, shape) = Broadcast(a, b, "mul");
        var data = StorageArena.NewUninitialized(x.Count);
        TensorPrimitives.Multiply(x, y, data);
        return Tensor.FromOp("mul", [a, b], data, shape, g => [
            a.RequiresGrad ? Tensor.SumToShape(Mul(g, b), a.ShapeArray) : null,
            b.RequiresGrad ? Tensor.SumToShape(Mul(g, a), b.ShapeArray) : null]);
    }

    public static Tensor Div(Tensor a, Tensor b)
    {
        var (x, y, shape) = Broadcast(a, b, "div");
        var data = StorageArena.NewUninitialized(x.Count);
        TensorPrimitives.Divide(x, y, data);
        return Tensor.FromOp("div", [a, b], data, shape, g => [
            a.RequiresGrad ? Tensor.SumToShape(Div(g, b), a.ShapeArray) : null,
            // d(a/b)/db = −a/b²
            b.RequiresGrad ? Tensor.SumToShape(Neg(Div(Mul(g, a), Mul(b, b))), b.ShapeArray) : null]);
    }

    public static Tensor Neg(Tensor a)
    {
        var data = a.CopyToStorage();
        TensorPrimitives.Negate(data, data);
        return Tensor.FromOp("neg", [a], data, a.ShapeArray, g => [Neg(g)]);
    }

    /// <summary>a·s for a constant s.</summary>
    public static Tensor Scale(Tensor a, float s)
    {
        var data = a.CopyToStorage();
        TensorPrimitives.Multiply(data, s, data);
        return Tensor.FromOp("scale", [a], data, a.ShapeArray, g => [Scale(g, s)]);
    }

    /// <summary>a + s for a constant s.</summary>
    public static Tensor AddScalar(Tensor a, float s)
    {
        var data = a.CopyToStorage();
        TensorPrimitives.Add(data, s, data);
        return Tensor.FromOp("add_scalar", [a], data, a.ShapeArray, g => [g]);
    }

    /// <summary>Sum of all elements, as a rank-0 tensor.</summary>
    public static Tensor Sum(Tensor a)
    {
        var values = a.Contiguous().AsSpan();
        double sum = 0;
        foreach (float v in values) sum += v;
        int[] shape = a.ShapeArray;
        return Tensor.FromOp("sum", [a], [(float)sum], [], g => [Tensor.Full(g.Item(), shape)]);
    }

    /// <summary>Both operands' values laid out in the broadcast shape (copied only when broadcast or strided).</summary>
    internal static (ArraySegment<float> X, ArraySegment<float> Y, int[] Shape) Broadcast(Tensor a, Tensor b, string op)
    {
        int[] shape = ShapeUtil.Broadcast(a.Shape, b.Shape, op);
        return (InShape(a, shape), InShape(b, shape), shape);
    }

    // A contiguous operand of the full shape is read where it lies; anything else is laid out row-major first.
    private static ArraySegment<float> InShape(Tensor t, int[] shape)
    {
        if (!ShapeUtil.SameShape(t.Shape, shape)) return t.Detach().Expand(shape).CopyToStorage();
        return t.IsContiguous ? new ArraySegment<float>(t.Storage, t.Offset, t.Length) : t.CopyToStorage();
    }
}
