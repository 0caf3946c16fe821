using Loom.Core;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>Rotary position embedding as a differentiable op over [B, T, H, D], through the RoPE kernel.</summary>
public static partial class Ops
{
    /// <summary>
    /// Rotates every head of x [B, T, H, D] at sequence position startPos + t (the same positions for every batch row)
    /// by the angles pos·theta^(−2i/rotaryDim), pairing elements as <paramref name="style"/> says. rotaryDim 0 means
    /// all of D; elements past rotaryDim pass through. The rotation is orthogonal, so the gradient is the gradient
    /// rotated back (the inverse rotation).
    /// </summary>
    public static Tensor Rope(Tensor x, int startPos, float theta, RopeStyle style, int rotaryDim = 0)
    {
        const string op = "rope";
        if (x.Rank != 4) throw LoomException.Shape(op, $"input must be [B, T, H, D], found {ShapeUtil.Format(x.Shape)}");
        int batch = x.Size(0), t = x.Size(1), heads = x.Size(2), headDim = x.Size(3);
        if (startPos < 0 || (long)startPos + t > int.MaxValue)
            throw LoomException.Argument($"{op}: positions {startPos}…{(long)startPos + t - 1} must lie in 0…{int.MaxValue}");
        if (headDim % 2 != 0 || rotaryDim % 2 != 0 || rotaryDim < 0 || rotaryDim > headDim)
            throw LoomException.Shape(op, $"input {ShapeUtil.Format(x.Shape)} needs an even head size D and an even rotaryDim ≤ D, found D={headDim}, rotaryDim={rotaryDim}");

        // The kernel sees [B·T positions, H, D]; each batch row repeats the same run of positions.
        var positions = new int[batch * t];
        for (int i = 0; i < positions.Length; i++) positions[i] = startPos + i % t;
        var table = RopeTables.Covering(startPos + t, headDim, theta, rotaryDim);
        var y = x.CopyToStorage();
        Rotate(y, positions, heads, headDim, theta, style, rotaryDim, table, inverse: false);
        return Tensor.FromOp(op, [x], y, x.ShapeArray, g =>
        {
            var dx = g.CopyToStorage();
            Rotate(dx, positions, heads, headDim, theta, style, rotaryDim, table, inverse: true);
            return [new Tensor(dx, x.ShapeArray)];
        });
    }

    // The table gives the same angles as computing them per call (RopeTable's contract), without the sin/cos.
    private static void Rotate(float[] values, int[] positions, int heads, int headDim, float theta, RopeStyle style,
        int rotaryDim, RopeTable? table, bool inverse)
    {
        if (values.Length == 0) return;
        if (table is not null) Kernels.Rope.Apply(values, positions, heads, table, style, inverse);
        else Kernels.Rope.Apply(values, positions, heads, headDim, theta, style, inverse, rotaryDim);
    }
}
