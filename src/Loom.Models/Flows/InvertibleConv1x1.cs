using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// Invertible 1×1 convolution (Glow), a learned mixing of channels that generalizes a fixed permutation. The weight
/// is kept LU-decomposed, W = P·L·(U + diag(sign·exp(logScale))), with P a fixed permutation, L unit lower
/// triangular and U strictly upper triangular, so log|det W| = Σ logScale costs C operations instead of an O(C³)
/// determinant and W stays invertible by construction. It starts as a random rotation (log|det| = 0).
/// log|det J| = H·W·Σ logScale.
/// </summary>
public sealed class InvertibleConv1x1 : FlowLayer
{
    private readonly int _channels;
    private readonly Tensor _permutation; // [C, C], fixed
    private readonly Tensor _sign;        // [C], ±1, fixed
    private readonly Nn.Parameter _lower; // [C, C], only the strictly lower part is used
    private readonly Nn.Parameter _upper; // [C, C], only the strictly upper part is used
    private readonly Nn.Parameter _logScale; // [C]
    private readonly Tensor _lowerMask, _upperMask, _identity;

    public InvertibleConv1x1(int channels, LoomRandom rng)
    {
        if (channels < 1) throw LoomException.Argument($"invertible 1×1 conv: channels must be positive, found {channels}");
        _channels = channels;
        var (p, l, u) = SmallMatrix.LuDecompose(SmallMatrix.RandomOrthogonal(channels, rng), channels);
        var sign = new float[channels];
        var logScale = new float[channels];
        for (int i = 0; i < channels; i++)
        {
            double diagonal = u[i * channels + i];
            sign[i] = Math.Sign(diagonal);
            logScale[i] = (float)Math.Log(Math.Abs(diagonal));
            u[i * channels + i] = 0;
        }
        _permutation = AddBuffer("permutation", ToTensor(p, channels, channels));
        _sign = AddBuffer("sign", new Tensor(sign, channels));
        // The triangular factors are not decayed: shrinking them toward 0 pulls W toward a diagonal for no reason.
        _lower = AddParameter("lower", ToTensor(l, channels, channels), noDecay: true);
        _upper = AddParameter("upper", ToTensor(u, channels, channels), noDecay: true);
        _logScale = AddParameter("logScale", new Tensor(logScale, channels), noDecay: true);

        var lowerMask = new float[channels * channels];
        var upperMask = new float[channels * channels];
        var identity = new float[channels * channels];
        for (int i = 0; i < channels; i++)
            for (int j = 0; j < channels; j++)
            {
                if (j < i) lowerMask[i * channels + j] = 1;
                if (j > i) upperMask[i * channels + j] = 1;
                if (i == j) identity[i * channels + j] = 1;
            }
        _lowerMask = new Tensor(lowerMask, channels, channels);
        _upperMask = new Tensor(upperMask, channels, channels);
        _identity = new Tensor(identity, channels, channels);
    }

    /// <summary>W = P·L·(U + diag(sign·exp(logScale))) as a [C, C] tensor with its graph (out channel × in channel).</summary>
    public Tensor Weight()
    {
        var l = Ops.Add(Ops.Mul(_lower, _lowerMask), _identity);
        var diagonal = Ops.Mul(_identity, Ops.Mul(_sign, Ops.Exp(_logScale)).Reshape(1, _channels));
        var u = Ops.Add(Ops.Mul(_upper, _upperMask), diagonal);
        return Ops.MatMul(_permutation, Ops.MatMul(l, u));
    }

    public override (Tensor Y, Tensor LogDet) Transform(Tensor x)
    {
        var y = Ops.Conv2d(x, Weight().Reshape(_channels, _channels, 1, 1), null);
        var logDet = Ops.Scale(Ops.Sum(_logScale.Value), x.Size(2) * x.Size(3));
        return (y, logDet);
    }

    public override Tensor Inverse(Tensor y)
    {
        using var _ = GradMode.NoGrad();
        var weight = Weight().ToArray().Select(v => (double)v).ToArray();
        var inverse = SmallMatrix.Inverse(weight, _channels).Select(v => (float)v).ToArray();
        return Ops.Conv2d(y, new Tensor(inverse, _channels, _channels, 1, 1), null);
    }

    private static Tensor ToTensor(double[] values, params int[] shape) => new(values.Select(v => (float)v).ToArray(), shape);
}
