using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>
/// The hinge loss (Lim &amp; Ye 2017; SN-GAN, BigGAN): D minimizes E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))], G
/// minimizes −E[D(G(z))]. D stops pushing once a score clears the margin, which with spectral normalization keeps
/// its scores bounded and its gradients useful to G.
/// </summary>
public static class GanObjective
{
    public static Tensor DiscriminatorLoss(Tensor realScores, Tensor fakeScores) =>
        Ops.Add(Ops.Mean(Ops.Relu(Ops.AddScalar(Ops.Neg(realScores), 1f))), Ops.Mean(Ops.Relu(Ops.AddScalar(fakeScores, 1f))));

    public static Tensor GeneratorLoss(Tensor fakeScores) => Ops.Neg(Ops.Mean(fakeScores));
}
