using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>Maximum over square windows of [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    public int KernelSize { get; } = PoolChecks.Positive("MaxPool2d", kernelSize);
    public int Stride { get; } = PoolChecks.Positive("MaxPool2d", stride ?? kernelSize);
    public int Padding { get; } = padding;

    public override Tensor Forward(Tensor input) => Ops.MaxPool2d(input, KernelSize, Stride, Padding);
}

/// <summary>Mean over square windows of [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0) : Module
{
    public int KernelSize { get; } = PoolChecks.Positive("AvgPool2d", kernelSize);
    public int Stride { get; } = PoolChecks.Positive("AvgPool2d", stride ?? kernelSize);
    public int Padding { get; } = padding;

    public override Tensor Forward(Tensor input) => Ops.AvgPool2d(input, KernelSize, Stride, Padding);
}

/// <summary>Collapses dimensions start..end into one (by default everything after the batch dimension).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}

internal static class PoolChecks
{
    public static int Positive(string layer, int value) =>
        value >= 1 ? value : throw LoomException.Argument($"{layer}: kernel size and stride must be at least 1, found {value}");
}
