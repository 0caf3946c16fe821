using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// Transposed 2-D convolution (the gradient of Conv2d with respect to its input; upsamples by the stride).
/// Weight [in, out/groups, k, k] as in PyTorch, whose default initialization (fan from dimension 1) it copies.
/// </summary>
public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, LoomRandom rng, int stride = 1,
        int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        ConvChecks.Validate("ConvTranspose2d", inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        if (outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
            throw LoomException.Argument($"ConvTranspose2d: output padding must be in [0, max(stride, dilation)), found {outputPadding}");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        Dilation = dilation;
        Groups = groups;
        Weight = AddParameter("weight", Tensor.Zeros(inChannels, outChannels / groups, kernelSize, kernelSize));
        Bias = bias ? AddParameter("bias", Tensor.Zeros(outChannels)) : null;
        DefaultInit.WeightAndBias(Weight, Bias, rng);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int OutputPadding { get; }
    public int Dilation { get; }
    public int Groups { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor Forward(Tensor input) =>
        Ops.ConvTranspose2d(input, Weight, Bias?.Value, Stride, Padding, OutputPadding, Dilation, Groups);
}
