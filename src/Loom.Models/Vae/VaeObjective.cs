using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Vae;

/// <summary>
/// The negative ELBO, per image, in nats: reconstruction −log p(x|z) under the discretized logistic (one
/// reparameterized z ~ q(z|x) per image) plus KL(q(z|x) ‖ N(0, I)) in closed form. With β = 1 it bounds −log p(x),
/// so (reconstruction + KL) / (C·H·W·ln 2) is an upper bound on bits/dim.
/// </summary>
public static class VaeObjective
{
    /// <summary>Reconstruction and KL terms, each [n] (nats per image), with the graph when gradients are on.</summary>
    public static (Tensor Reconstruction, Tensor Kl) Terms(VaeNetwork network, Tensor images, LoomRandom rng)
    {
        var (mu, logVariance) = network.Encode(images);
        var noise = Tensor.Randn(rng, mu.ShapeArray);
        var z = Ops.Add(mu, Ops.Mul(Ops.Exp(Ops.Scale(logVariance, 0.5f)), noise));
        var (mean, logScale) = network.Decode(z);
        var nll = Ops.DiscretizedLogisticNll(images, mean, logScale, network.Config.Bins);
        var reconstruction = Ops.Sum(nll, [1, 2, 3]);
        // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − 1 − log σ²)
        var kl = Ops.Scale(Ops.Sum(Ops.AddScalar(Ops.Sub(Ops.Add(Ops.Square(mu), Ops.Exp(logVariance)), logVariance), -1f), 1), 0.5f);
        return (reconstruction, kl);
    }

    /// <summary>Training loss: mean over the batch of reconstruction + β·KL (nats per image).</summary>
    public static Tensor Loss(VaeNetwork network, Tensor images, LoomRandom rng)
    {
        var (reconstruction, kl) = Terms(network, images, rng);
        return Ops.Mean(Ops.Add(reconstruction, Ops.Scale(kl, network.Config.Beta)));
    }

    /// <summary>
    /// Negative ELBO (β = 1) of each image in nats, averaged over <paramref name="samples"/> draws of z, without
    /// gradients, in chunks of <paramref name="chunk"/> images; also the mean reconstruction and KL terms.
    /// </summary>
    public static (double[] NegativeElbo, double Reconstruction, double Kl) Evaluate(VaeNetwork network, Tensor images, LoomRandom rng,
        int samples = 1, int chunk = 64, CancellationToken cancellation = default)
    {
        if (samples < 1) throw LoomException.Argument($"vae: ELBO samples must be at least 1, found {samples}");
        using var _ = GradMode.NoGrad();
        int n = images.Size(0);
        var result = new double[n];
        double reconstructionSum = 0, klSum = 0;
        for (int start = 0; start < n; start += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(chunk, n - start);
            var batch = images.Slice(0, start, count).Contiguous();
            for (int s = 0; s < samples; s++)
            {
                var (reconstruction, kl) = Terms(network, batch, rng);
                var r = reconstruction.ToArray();
                var k = kl.ToArray();
                for (int i = 0; i < count; i++)
                {
                    result[start + i] += (r[i] + (double)k[i]) / samples;
                    reconstructionSum += r[i] / (double)samples;
                    klSum += k[i] / (double)samples;
                }
            }
        }
        return (result, n == 0 ? 0 : reconstructionSum / n, n == 0 ? 0 : klSum / n);
    }

    /// <summary>Nats per image → bits per subpixel.</summary>
    public static double BitsPerDim(double nats, int dims) => nats / (dims * Math.Log(2));
}
