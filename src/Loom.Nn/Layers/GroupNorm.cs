using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn;

/// <summary>Normalizes [N, C, …] over groups of C/groups channels (and all positions), then a per-channel affine.</summary>
public sealed class GroupNorm : Module
{
    public GroupNorm(int groups, int channels, float eps = 1e-5f, bool affine = true)
    {
        if (groups < 1 || channels < 1 || channels % groups != 0)
            throw LoomException.Argument($"GroupNorm: channels ({channels}) must be a positive multiple of groups ({groups})");
        Groups = groups;
        Channels = channels;
        Eps = eps;
        if (affine)
        {
            Weight = AddParameter("weight", Tensor.Ones(channels), noDecay: true);
            Bias = AddParameter("bias", Tensor.Zeros(channels), noDecay: true);
        }
    }

    public int Groups { get; }
    public int Channels { get; }
    public float Eps { get; }
    public Parameter? Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor Forward(Tensor input) => Ops.GroupNorm(input, Groups, Weight?.Value, Bias?.Value, Eps);
}
