using Loom.Core;

namespace Loom.Tensors;

/// <summary>Choosing between values by a boolean mask. Masks are not differentiated; the values are.</summary>
public static partial class Ops
{
    /// <summary>
    /// condition ? a : b elementwise. <paramref name="condition"/> holds the row-major values of a boolean array of
    /// shape <paramref name="conditionShape"/>; condition, a and b broadcast together (NumPy rules) to the result's
    /// shape. Each of a and b gets the gradient where it was chosen, summed back to its own shape.
    /// </summary>
    public static Tensor Where(bool[] condition, int[] conditionShape, Tensor a, Tensor b)
    {
        CheckMask("where", condition, conditionShape);
        int[] shape = ShapeUtil.Broadcast(conditionShape, ShapeUtil.Broadcast(a.Shape, b.Shape, "where"), "where");
        bool[] chosen = BroadcastMask(condition, conditionShape, shape);
        float[] x = a.Detach().Expand(shape).ToArray(), y = b.Detach().Expand(shape).ToArray();
        var data = new float[chosen.Length];
        for (int i = 0; i < data.Length; i++) data[i] = chosen[i] ? x[i] : y[i];

        int[] aShape = a.ShapeArray, bShape = b.ShapeArray;
        return Tensor.FromOp("where", [a, b], data, shape, g => [
            a.RequiresGrad ? Tensor.SumToShape(MaskGradient(g, chosen, keepWhere: true), aShape) : null,
            b.RequiresGrad ? Tensor.SumToShape(MaskGradient(g, chosen, keepWhere: false), bShape) : null]);
    }

    /// <summary><see cref="Where(bool[], int[], Tensor, Tensor)"/> with the condition given as a tensor: nonzero means true.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Where(ToMask(condition), condition.ShapeArray, a, b);

    /// <summary>
    /// x with <paramref name="value"/> wherever the mask is true (e.g. −∞ above the diagonal before a softmax).
    /// The mask holds the row-major values of a boolean array of shape <paramref name="maskShape"/>, which must
    /// broadcast to x's shape (a [T, T] causal mask over [B, H, T, T] scores). Filled positions get no gradient.
    /// </summary>
    public static Tensor MaskedFill(Tensor x, bool[] mask, int[] maskShape, float value)
    {
        CheckMask("masked_fill", mask, maskShape);
        int[] shape = x.ShapeArray;
        if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(maskShape, shape, "masked_fill"), shape))
            throw LoomException.Shape("masked_fill", $"mask {ShapeUtil.Format(maskShape)} does not broadcast to input {ShapeUtil.Format(shape)}");
        bool[] filled = BroadcastMask(mask, maskShape, shape);
        float[] data = x.ToArray();
        for (int i = 0; i < data.Length; i++) if (filled[i]) data[i] = value;
        return Tensor.FromOp("masked_fill", [x], data, shape, g => [MaskGradient(g, filled, keepWhere: false)]);
    }

    /// <summary><see cref="MaskedFill(Tensor, bool[], int[], float)"/> with the mask given as a tensor: nonzero means fill.</summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, float value) => MaskedFill(x, ToMask(mask), mask.ShapeArray, value);

    private static void CheckMask(string op, bool[] mask, int[] maskShape)
    {
        if (ShapeUtil.Product(maskShape) != mask.Length)
            throw LoomException.Shape(op, $"mask shape {ShapeUtil.Format(maskShape)} needs {ShapeUtil.Product(maskShape)} values, found {mask.Length}");
    }

    private static bool[] ToMask(Tensor t) => t.ToArray().Select(v => v != 0f).ToArray();

    /// <summary>The mask laid out in <paramref name="shape"/>, repeating it along broadcast dimensions.</summary>
    private static bool[] BroadcastMask(bool[] mask, int[] maskShape, int[] shape)
    {
        if (ShapeUtil.SameShape(maskShape, shape)) return mask;
        var asFloats = new float[mask.Length];
        for (int i = 0; i < mask.Length; i++) asFloats[i] = mask[i] ? 1f : 0f;
        return new Tensor(asFloats, maskShape).Expand(shape).ToArray().Select(v => v != 0f).ToArray();
    }

    /// <summary>The gradient where the mask is <paramref name="keepWhere"/>, zero elsewhere.</summary>
    private static Tensor MaskGradient(Tensor g, bool[] mask, bool keepWhere)
    {
        float[] data = g.ToArray();
        for (int i = 0; i < data.Length; i++) if (mask[i] != keepWhere) data[i] = 0f;
        return new Tensor(data, g.ShapeArray);
    }
}
