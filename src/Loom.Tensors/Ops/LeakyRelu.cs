namespace Loom.Tensors;

public static partial class Ops
{
    /// <summary>
    /// x for x &gt; 0, slope·x otherwise; the gradient at 0 is the slope. A GAN discriminator needs the negative side's
    /// gradient so the generator still learns where the discriminator's units are off (DCGAN uses slope 0.2).
    /// </summary>
    public static Tensor LeakyRelu(Tensor a, float slope = 0.01f) => Unary("leaky_relu", a, (x, y) =>
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
    }, (x, y, dy, dx) =>
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
    });
}
