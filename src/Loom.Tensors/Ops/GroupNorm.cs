using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Tensors;

/// <summary>Group normalization (Wu &amp; He 2018) with a fused backward.</summary>
public static partial class Ops
{
    /// <summary>
    /// Splits the C channels of x [N, C, …] into <paramref name="groups"/> groups, normalizes each (sample, group) to
    /// zero mean and unit variance (biased variance, plus eps), then applies the per-channel affine
    /// y = x̂·gamma[c] + beta[c] (either may be null: scale 1, shift 0).
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? gamma = null, Tensor? beta = null, float eps = 1e-5f)
    {
        const string op = "group_norm";
        if (x.Rank < 2) throw LoomException.Shape(op, $"input must be [N, C, …], found {ShapeUtil.Format(x.Shape)}");
        int batch = x.Size(0), channels = x.Size(1), spatial = x.Length / Math.Max(batch * channels, 1);
        if (groups < 1 || channels % groups != 0)
            throw LoomException.Shape(op, $"input {ShapeUtil.Format(x.Shape)} has {channels} channels, not divisible into groups={groups}");
        foreach (var (name, p) in new[] { ("gamma", gamma), ("beta", beta) })
            if (p != null && (p.Rank != 1 || p.Size(0) != channels))
                throw LoomException.Shape(op, $"{name} must be [{channels}] for input {ShapeUtil.Format(x.Shape)}, found {ShapeUtil.Format(p.Shape)}");
        if (!(eps >= 0)) throw LoomException.Argument($"{op}: eps must be non-negative, found {eps}");

        int groupChannels = channels / groups, groupSize = groupChannels * spatial;
        ReadOnlySpan<float> xs = DenseValues.Of(x);
        ReadOnlySpan<float> gs = gamma is null ? default : DenseValues.Of(gamma), bs = beta is null ? default : DenseValues.Of(beta);
        var y = new float[x.Length];
        // Saved per (sample, group) for backward, which recomputes x̂ from x instead of storing it.
        var mean = new float[batch * groups];
        var rstd = new float[batch * groups];
        for (int s = 0; s < batch * groups; s++)
        {
            ReadOnlySpan<float> src = xs.Slice(s * groupSize, groupSize);
            Span<float> dst = y.AsSpan(s * groupSize, groupSize);
            float mu = groupSize == 0 ? 0 : TensorPrimitives.Sum(src) / groupSize;
            // Two passes (centre, then square) keep the variance accurate when |mean| ≫ std.
            TensorPrimitives.Subtract(src, mu, dst);
            float variance = groupSize == 0 ? 0 : TensorPrimitives.SumOfSquares(dst) / groupSize;
            float r = 1f / MathF.Sqrt(variance + eps);
            TensorPrimitives.Multiply(dst, r, dst);
            mean[s] = mu;
            rstd[s] = r;
            for (int ci = 0; ci < groupChannels; ci++)
            {
                int c = s % groups * groupChannels + ci;
                Span<float> plane = dst.Slice(ci * spatial, spatial);
                if (gamma != null) TensorPrimitives.Multiply(plane, gs[c], plane);
                if (beta != null) TensorPrimitives.Add(plane, bs[c], plane);
            }
        }

        var inputs = new List<Tensor> { x };
        if (gamma != null) inputs.Add(gamma);
        if (beta != null) inputs.Add(beta);
        return Tensor.FromOp(op, inputs.ToArray(), y, x.ShapeArray, g =>
        {
            ReadOnlySpan<float> dy = DenseValues.Of(g), xv = DenseValues.Of(x);
            ReadOnlySpan<float> gv = gamma is null ? default : DenseValues.Of(gamma);
            float[]? dx = x.RequiresGrad ? new float[x.Length] : null;
            var dGamma = new float[channels];
            var dBeta = new float[channels];
            var xHat = new float[groupSize];
            var dxHat = new float[groupSize];
            // Samples in order, so the per-channel sums for gamma and beta do not depend on threading.
            for (int s = 0; s < batch * groups; s++)
            {
                ReadOnlySpan<float> dyGroup = dy.Slice(s * groupSize, groupSize);
                TensorPrimitives.Subtract(xv.Slice(s * groupSize, groupSize), mean[s], xHat);
                TensorPrimitives.Multiply(xHat, rstd[s], xHat);
                for (int ci = 0; ci < groupChannels; ci++)
                {
                    int c = s % groups * groupChannels + ci;
                    ReadOnlySpan<float> dyPlane = dyGroup.Slice(ci * spatial, spatial);
                    dGamma[c] += TensorPrimitives.Dot(dyPlane, xHat.AsSpan(ci * spatial, spatial));
                    dBeta[c] += TensorPrimitives.Sum(dyPlane);
                    Span<float> dxHatPlane = dxHat.AsSpan(ci * spatial, spatial);
                    if (gamma is null) dyPlane.CopyTo(dxHatPlane);
                    else TensorPrimitives.Multiply(dyPlane, gv[c], dxHatPlane);
                }
                if (dx is null) continue;
                // dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)): the normalization's Jacobian applied in O(group).
                float meanDxHat = TensorPrimitives.Sum(dxHat) / groupSize;
                float meanDxHatXHat = TensorPrimitives.Dot(dxHat, xHat) / groupSize;
                Span<float> dst = dx.AsSpan(s * groupSize, groupSize);
                TensorPrimitives.Multiply(xHat, -meanDxHatXHat, dst);
                TensorPrimitives.Add(dst, dxHat, dst);
                TensorPrimitives.Add(dst, -meanDxHat, dst);
                TensorPrimitives.Multiply(dst, rstd[s], dst);
            }
            var grads = new List<Tensor?> { dx is null ? null : new Tensor(dx, x.ShapeArray) };
            if (gamma != null) grads.Add(gamma.RequiresGrad ? new Tensor(dGamma, gamma.ShapeArray) : null);
            if (beta != null) grads.Add(beta.RequiresGrad ? new Tensor(dBeta, beta.ShapeArray) : null);
            return grads.ToArray();
        });
    }
}
