using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// The discretized logistic likelihood of 8-bit data (PixelCNN++, Salimans et al. 2017), per subpixel: the
/// probability of a bin is the logistic CDF's mass over it, with the two edge bins taking the tails, so the
/// probabilities of all 2^bits values sum to 1 and −log p in bits per subpixel is a true code length (bits/dim).
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// −log P(x) in nats for every element: <paramref name="x"/> holds data already mapped to [−1, 1] (value·2/(bins−1) − 1),
    /// <paramref name="mean"/> and <paramref name="logScale"/> (same shape) the logistic's location and log scale.
    /// Gradients flow to mean and logScale; x is data and gets none. Where the bin mass underflows (far tails) the
    /// density at the bin centre times the bin width stands in, as in PixelCNN++, so the loss stays finite.
    /// </summary>
    public static Tensor DiscretizedLogisticNll(Tensor x, Tensor mean, Tensor logScale, int bins = 256)
    {
        if (!ShapeUtil.SameShape(x.Shape, mean.Shape) || !ShapeUtil.SameShape(x.Shape, logScale.Shape))
            throw LoomException.Shape("discretized-logistic", $"x {ShapeUtil.Format(x.Shape)}, mean {ShapeUtil.Format(mean.Shape)} and log-scale {ShapeUtil.Format(logScale.Shape)} must have one shape");
        if (bins < 2) throw LoomException.Argument($"discretized-logistic: bins must be at least 2, found {bins}");
        var xs = x.Detach().Contiguous().AsSpan().ToArray();
        var mu = mean.Detach().Contiguous().AsSpan().ToArray();
        var ls = logScale.Detach().Contiguous().AsSpan().ToArray();
        int n = xs.Length;
        var nll = new float[n];
        // Per element: d(−log p)/dμ and d(−log p)/d(log s), computed with the value so backward is one multiply.
        var dMean = new float[n];
        var dLogScale = new float[n];
        double half = 1.0 / (bins - 1); // half a bin in [−1, 1] units (bin width 2/(bins−1))
        double edge = 1.0 - half;       // beyond this a value is the first or last bin
        for (int i = 0; i < n; i++)
        {
            var (value, gMean, gLogScale) = Element(xs[i], mu[i], ls[i], half, edge);
            nll[i] = (float)value;
            dMean[i] = (float)gMean;
            dLogScale[i] = (float)gLogScale;
        }
        int[] shape = x.ShapeArray;
        return Tensor.FromOp("discretized_logistic_nll", [x, mean, logScale], nll, shape, g =>
        {
            var dy = g.Contiguous().AsSpan();
            var gm = new float[n];
            var gs = new float[n];
            for (int i = 0; i < n; i++)
            {
                gm[i] = dy[i] * dMean[i];
                gs[i] = dy[i] * dLogScale[i];
            }
            return [null, new Tensor(gm, shape), new Tensor(gs, shape)];
        });
    }

    /// <summary>
    /// One subpixel: (−log p, ∂/∂μ, ∂/∂log s). With e = 1/s, a = e(x − μ + h), b = e(x − μ − h):
    /// p = σ(a) − σ(b) inside, σ(a) at the bottom edge, 1 − σ(b) at the top.
    /// </summary>
    private static (double Nll, double DMean, double DLogScale) Element(double x, double mu, double logScale, double half, double edge)
    {
        double e = Math.Exp(-logScale);
        double c = x - mu;
        double a = e * (c + half), b = e * (c - half);
        if (x < -edge)
        {
            // log σ(a) = −softplus(−a); d/da = 1 − σ(a); da/dμ = −e, da/dlog s = −a.
            double d = 1 - Sigmoid(a);
            return (SoftplusD(-a), d * e, d * a);
        }
        if (x > edge)
        {
            // log(1 − σ(b)) = −softplus(b); d/db = −σ(b); db/dμ = −e, db/dlog s = −b.
            double d = -Sigmoid(b);
            return (SoftplusD(b), d * e, d * b);
        }
        double sa = Sigmoid(a), sb = Sigmoid(b);
        double p = sa - sb;
        if (p > 1e-5)
        {
            double da = sa * (1 - sa), db = sb * (1 - sb);
            // dp/dμ = −e(σ′(a) − σ′(b)); dp/dlog s = −aσ′(a) + bσ′(b); d(−log p) = −dp/p.
            return (-Math.Log(p), e * (da - db) / p, (a * da - b * db) / p);
        }
        // The mass underflows: log p ≈ log pdf(centre) + log(2h), pdf = e·σ(m)(1 − σ(m)), m = e·c.
        double m = e * c;
        double logP = m - logScale - 2 * SoftplusD(m) + Math.Log(2 * half);
        double dm = 1 - 2 * Sigmoid(m); // d log p / dm
        return (-logP, dm * e, dm * m + 1);
    }

    private static double Sigmoid(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

    private static double SoftplusD(double t) => t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));
}
