using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// What Conv2d and ConvTranspose2d share: channel counts, square kernel, stride, padding, dilation, groups, the
/// weight and optional bias with PyTorch's default initialization, and the argument checks.
/// </summary>
public abstract class ConvLayer : Module
{
    private protected ConvLayer(string layer, int inChannels, int outChannels, int kernelSize, int stride, int padding,
        int dilation, int groups, bool bias, int[] weightShape, LoomRandom rng)
    {
        if (inChannels < 1 || outChannels < 1)
            throw LoomException.Argument($"{layer}: channels must be positive, found in={inChannels} out={outChannels}");
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw LoomException.Argument($"{layer}: groups ({groups}) must divide in ({inChannels}) and out ({outChannels}) channels");
        if (kernelSize < 1 || stride < 1 || dilation < 1 || padding < 0)
            throw LoomException.Argument($"{layer}: need kernel, stride, dilation ≥ 1 and padding ≥ 0, found kernel={kernelSize} stride={stride} dilation={dilation} padding={padding}");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Weight = AddParameter("weight", Tensor.Zeros(weightShape));
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
}
