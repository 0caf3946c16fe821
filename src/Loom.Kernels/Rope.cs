using System.Numerics;
using Loom.Core;

namespace Loom.Kernels;

/// <summary>
/// Rotary position embedding, in place, on x laid out [positions.Length, heads, headDim]: pair i of every head at
/// position p turns by angle p·theta^(−2i/rotaryDim). The rotation is orthogonal, so its backward pass is the
/// inverse rotation (<c>inverse: true</c>). Elements past rotaryDim are left as they are. Same contract as
/// <see cref="RopeReference"/>.
/// </summary>
public static class Rope
{
    public static void Apply(Span<float> x, ReadOnlySpan<int> positions, int heads, int headDim, float theta,
        RopeStyle style, bool inverse = false, int rotaryDim = 0)
    {
        rotaryDim = ValidateGeometry("rope", headDim, theta, rotaryDim);
        ValidateLayout(x.Length, positions.Length, heads, headDim);
        int half = rotaryDim / 2;
        // Small per-call buffers: frequencies once, then cos/sin once per position, shared by all heads.
        Span<double> frequencies = half <= 512 ? stackalloc double[half] : new double[half];
        Span<float> cos = half <= 512 ? stackalloc float[half] : new float[half];
        Span<float> sin = half <= 512 ? stackalloc float[half] : new float[half];
        Frequencies(theta, rotaryDim, frequencies);
        for (int p = 0; p < positions.Length; p++)
        {
            Angles(positions[p], frequencies, cos, sin);
            RotateHeads(x.Slice(p * heads * headDim, heads * headDim), heads, headDim, cos, sin, style, inverse);
        }
    }

    /// <summary>As the other overload, with cos/sin read from a precomputed table (positions must lie inside it).</summary>
    public static void Apply(Span<float> x, ReadOnlySpan<int> positions, int heads, RopeTable table, RopeStyle style,
        bool inverse = false)
    {
        ValidateLayout(x.Length, positions.Length, heads, table.HeadDim);
        int headDim = table.HeadDim;
        for (int p = 0; p < positions.Length; p++)
            RotateHeads(x.Slice(p * heads * headDim, heads * headDim), heads, headDim,
                table.Cos(positions[p]), table.Sin(positions[p]), style, inverse);
    }

    /// <summary>frequency[i] = theta^(−2i/rotaryDim), in double so long contexts keep their angles exact.</summary>
    internal static void Frequencies(float theta, int rotaryDim, Span<double> frequencies)
    {
        for (int i = 0; i < frequencies.Length; i++) frequencies[i] = Math.Pow(theta, -2.0 * i / rotaryDim);
    }

    /// <summary>cos and sin of position·frequency[i], angle formed in double then rounded once to float.</summary>
    internal static void Angles(int position, ReadOnlySpan<double> frequencies, Span<float> cos, Span<float> sin)
    {
        for (int i = 0; i < frequencies.Length; i++)
        {
            (double s, double c) = Math.SinCos(position * frequencies[i]);
            cos[i] = (float)c;
            sin[i] = (float)s;
        }
    }

    private static void RotateHeads(Span<float> row, int heads, int headDim, ReadOnlySpan<float> cos,
        ReadOnlySpan<float> sin, RopeStyle style, bool inverse)
    {
        float sign = inverse ? -1f : 1f;
        for (int h = 0; h < heads; h++)
        {
            Span<float> head = row.Slice(h * headDim, headDim);
            if (style == RopeStyle.NeoX) RotateHalves(head, cos, sin, sign);
            else RotateAdjacentPairs(head, cos, sin, sign);
        }
    }

    // NeoX: (a, b) = (head[i], head[i + half]) → (a·cos − b·sin, a·sin + b·cos); both halves contiguous, so SIMD.
    private static void RotateHalves(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, float sign)
    {
        int half = cos.Length;
        Span<float> first = head[..half], second = head.Slice(half, half);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var signs = new Vector<float>(sign);
            for (; i <= half - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = new Vector<float>(first[i..]);
                var b = new Vector<float>(second[i..]);
                var c = new Vector<float>(cos[i..]);
                var s = new Vector<float>(sin[i..]) * signs;
                (a * c - b * s).CopyTo(first[i..]);
                (a * s + b * c).CopyTo(second[i..]);
            }
        }
        for (; i < half; i++)
        {
            float a = first[i], b = second[i], c = cos[i], s = sin[i] * sign;
            first[i] = a * c - b * s;
            second[i] = a * s + b * c;
        }
    }

    // Interleaved: (a, b) = (head[2i], head[2i + 1]), same rotation; pairs are adjacent, so a plain loop.
    private static void RotateAdjacentPairs(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, float sign)
    {
        for (int i = 0; i < cos.Length; i++)
        {
            float a = head[2 * i], b = head[2 * i + 1], c = cos[i], s = sin[i] * sign;
            head[2 * i] = a * c - b * s;
            head[2 * i + 1] = a * s + b * c;
        }
    }

    /// <summary>Checks headDim, theta and rotaryDim; returns the rotary dimension to use (0 means headDim).</summary>
    internal static int ValidateGeometry(string op, int headDim, float theta, int rotaryDim)
    {
        if (headDim <= 0) throw LoomException.Argument($"{op}: headDim must be positive, found {headDim}");
        if (!(theta > 0) || float.IsInfinity(theta)) throw LoomException.Argument($"{op}: theta must be positive and finite, found {theta}");
        if (rotaryDim == 0) rotaryDim = headDim;
        if (rotaryDim < 0 || rotaryDim > headDim || rotaryDim % 2 != 0)
            throw LoomException.Argument($"{op}: rotaryDim must be even and in 2..headDim ({headDim}), found {rotaryDim}");
        return rotaryDim;
    }

    internal static void ValidateLayout(int xLength, int positions, int heads, int headDim)
    {
        if (heads < 0) throw LoomException.Argument($"rope: heads must be non-negative, found {heads}");
        long needed = (long)positions * heads * headDim;
        if (xLength != needed)
            throw LoomException.Shape("rope", $"x needs {needed} elements ([{positions} positions, {heads} heads, {headDim}]), found {xLength}");
    }
}
