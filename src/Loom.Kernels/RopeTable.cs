using Loom.Core;

namespace Loom.Kernels;

/// <summary>
/// Precomputed cos/sin of every RoPE angle for positions 0..MaxPositions−1, so a decoder pays for the
/// trigonometry once instead of per token. Gives bit-identical results to <see cref="Rope.Apply(Span{float}, ReadOnlySpan{int}, int, int, float, RopeStyle, bool, int)"/>.
/// </summary>
public sealed class RopeTable
{
    private readonly float[] _cos; // [MaxPositions, RotaryDim/2]
    private readonly float[] _sin; // [MaxPositions, RotaryDim/2]

    /// <param name="maxPositions">Positions the table covers: 0 to maxPositions − 1.</param>
    /// <param name="headDim">Elements per head.</param>
    /// <param name="theta">Frequency base (10000 for most models).</param>
    /// <param name="rotaryDim">Leading elements of each head that are rotated (even, ≤ headDim); 0 means headDim.</param>
    public RopeTable(int maxPositions, int headDim, float theta, int rotaryDim = 0)
    {
        if (maxPositions < 0) throw LoomException.Argument($"rope table: maxPositions must be non-negative, found {maxPositions}");
        RotaryDim = Rope.ValidateGeometry("rope table", headDim, theta, rotaryDim);
        MaxPositions = maxPositions;
        HeadDim = headDim;
        Theta = theta;
        int half = RotaryDim / 2;
        _cos = new float[maxPositions * half];
        _sin = new float[maxPositions * half];
        Span<double> frequencies = half <= 512 ? stackalloc double[half] : new double[half];
        Rope.Frequencies(theta, RotaryDim, frequencies);
        for (int p = 0; p < maxPositions; p++)
            Rope.Angles(p, frequencies, _cos.AsSpan(p * half, half), _sin.AsSpan(p * half, half));
    }

    public int MaxPositions { get; }
    public int HeadDim { get; }
    public int RotaryDim { get; }
    public float Theta { get; }

    internal ReadOnlySpan<float> Cos(int position) => _cos.AsSpan(Row(position), RotaryDim / 2);
    internal ReadOnlySpan<float> Sin(int position) => _sin.AsSpan(Row(position), RotaryDim / 2);

    private int Row(int position)
    {
        if ((uint)position >= (uint)MaxPositions)
            throw LoomException.Argument($"rope: position {position} is outside the table's range 0..{MaxPositions - 1}");
        return position * (RotaryDim / 2);
    }
}
