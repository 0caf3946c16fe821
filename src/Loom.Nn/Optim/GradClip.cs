using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Nn.Optim;

/// <summary>Gradient clipping by the global L2 norm over all parameters (torch.nn.utils.clip_grad_norm_).</summary>
public static class GradClip
{
    /// <summary>
    /// Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds <paramref name="maxNorm"/>, and
    /// returns the norm before clipping (log it: spikes show instability). Parameters without a gradient are skipped.
    /// The sum runs over parameters in order, in double, so the result does not depend on the thread count.
    /// </summary>
    public static float ClipGlobalNorm(IEnumerable<Parameter> parameters, float maxNorm)
    {
        if (!(maxNorm > 0)) throw LoomException.Argument($"clip_grad_norm: max norm must be positive, found {maxNorm}");
        var grads = parameters.Select(p => p.Grad).OfType<Loom.Tensors.Tensor>().ToList();
        double sumOfSquares = 0;
        foreach (var g in grads) sumOfSquares += TensorPrimitives.SumOfSquares(g.DataSpan);
        float norm = (float)Math.Sqrt(sumOfSquares);
        if (norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (var g in grads) TensorPrimitives.Multiply(g.DataSpan, scale, g.DataSpan);
        }
        return norm;
    }
}
