using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// Transposed 2-D convolution (the gradient of Conv2d with respect to its input; upsamples by the stride).
/// Weight [in, out/groups, k, k] as in PyTorch, whose default initialization (fan from dimension 1) it copies.
/// </summary>
public sealed class ConvTranspose2d : ConvLayer
{
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, LoomRandom rng, int stride = 1,
        int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1, bool bias = true)
        : base("ConvTranspose2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias,
            [inChannels, outChannels / Math.Max(groups, 1), kernelSize, kernelSize], rng)
    {
        if (outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
            throw LoomException.Argument($"ConvTranspose2d: output padding must be in [0, max(stride, dilation)), found {outputPadding}");
        OutputPadding = outputPadding;
    }

    public int OutputPadding { get; }

    public override Tensor Forward(Tensor input) =>
        Ops.ConvTranspose2d(input, Weight, Bias?.Value, Stride, Padding, OutputPadding, Dilation, Groups);
}
