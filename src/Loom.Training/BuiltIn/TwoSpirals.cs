using Loom.Core;
using Loom.Tensors;

namespace Loom.Training.BuiltIn;

/// <summary>
/// Two interleaved spirals in the plane, one per class: the classic data set a linear model cannot separate and a
/// small MLP can. Points lie in about [−1, 1]²; neighbouring arms (of different classes) are 0.3 apart, so noise well below that
/// keeps the classes separable.
/// </summary>
public static class TwoSpirals
{
    /// <summary>Turns each arm makes from the centre outwards.</summary>
    public const double Turns = 1.5;

    public static readonly IReadOnlyList<string> ClassNames = ["arm A", "arm B"];

    /// <summary>
    /// Features [2·pointsPerClass, 2] (x, y) and labels 0/1: class c's point i sits at radius 0.1 + 0.9·i/n and
    /// angle 2π·Turns·i/n + c·π, plus N(0, noise²) on each coordinate. Class 0 first, then class 1.
    /// </summary>
    public static ClassificationData Generate(int pointsPerClass, float noise, LoomRandom rng)
    {
        if (pointsPerClass < 1) throw LoomException.Argument($"two spirals: points per class must be at least 1, found {pointsPerClass}");
        if (!(noise >= 0)) throw LoomException.Argument($"two spirals: noise must be non-negative, found {noise}");
        int n = pointsPerClass;
        var features = new float[2 * n * 2];
        var labels = new int[2 * n];
        for (int c = 0; c < 2; c++)
        {
            for (int i = 0; i < n; i++)
            {
                double t = (double)i / n;
                double radius = 0.1 + 0.9 * t;
                double angle = 2 * Math.PI * Turns * t + c * Math.PI;
                int row = c * n + i;
                features[2 * row] = (float)(radius * Math.Cos(angle) + noise * rng.NextGaussian());
                features[2 * row + 1] = (float)(radius * Math.Sin(angle) + noise * rng.NextGaussian());
                labels[row] = c;
            }
        }
        return new ClassificationData(new Tensor(features, 2 * n, 2), labels, ClassNames);
    }
}
