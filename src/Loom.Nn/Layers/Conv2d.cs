using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// 2-D convolution over [N, C, H, W] with a square kernel. Weight [out, in/groups, k, k], bias [out];
/// PyTorch's default initialization (bound 1/√(in/groups·k²)).
/// </summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, int kernelSize, LoomRandom rng, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true)
    {
        ConvChecks.Validate("Conv2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Weight = AddParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernelSize, kernelSize));
        Bias = bias ? AddParameter("bias", Tensor.Zeros(outChannels)) : null;
        DefaultInit.WeightAndBias(Weight, Bias, rng);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Dilation { get; }
    public int Groups { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor Forward(Tensor input) =>
        Ops.Conv2d(input, Weight, Bias?.Value, Stride, Padding, Dilation, Groups);
}
