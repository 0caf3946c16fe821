using Loom.Core;

namespace Loom.Tensors;

/// <summary>Shape arithmetic shared by every op: products, strides, broadcasting, formatting for errors.</summary>
public static class ShapeUtil
{
    public static int Product(ReadOnlySpan<int> shape)
    {
        long p = 1;
        foreach (int s in shape) p *= s;
        if (p > int.MaxValue) throw LoomException.Argument($"shape {Format(shape)} has more than {int.MaxValue} elements");
        return (int)p;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }
        return strides;
    }

    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    internal static int[] Check(int[] shape, int dataLength)
    {
        foreach (int s in shape)
            if (s < 0) throw LoomException.Argument($"shape {Format(shape)} has a negative dimension");
        int n = Product(shape);
        if (n != dataLength)
            throw LoomException.Shape("tensor", $"shape {Format(shape)} needs {n} elements, found {dataLength}");
        return (int[])shape.Clone();
    }

    public static int NormalizeDim(int dim, int rank, string op)
    {
        int d = dim < 0 ? dim + rank : dim;
        if ((uint)d >= (uint)Math.Max(rank, 0) || rank == 0)
            throw LoomException.Argument($"{op}: dimension {dim} is out of range for a rank-{rank} tensor");
        return d;
    }

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes when they do not fit.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw LoomException.Shape(op, $"shapes {Format(a)} and {Format(b)} cannot be broadcast together");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
