using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// 2-D convolution over [N, C, H, W] with a square kernel. Weight [out, in/groups, k, k], bias [out];
/// PyTorch's default initialization (bound 1/√(in/groups·k²)).
/// </summary>
public sealed class Conv2d(int inChannels, int outChannels, int kernelSize, LoomRandom rng, int stride = 1,
    int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    : ConvLayer("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias,
        [outChannels, inChannels / Math.Max(groups, 1), kernelSize, kernelSize], rng)
{
    public override Tensor Forward(Tensor input) =>
        Ops.Conv2d(input, Weight, Bias?.Value, Stride, Padding, Dilation, Groups);
}
